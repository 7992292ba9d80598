import KlaroControlPlane

/// Shared fixtures for integration tests (real PostgreSQL and Redis).
enum KlaroTestSupportModule {}
