/// The names of every setting (DESIGN §11). Keep them stable: add, don't rename.
public enum ConfigurationKey {
    public static let config = "KLARO_CONFIG"
    public static let databaseURL = "KLARO_DATABASE_URL"
    public static let databasePoolSize = "KLARO_DATABASE_POOL_SIZE"
    public static let redisURL = "KLARO_REDIS_URL"
    public static let httpAddress = "KLARO_HTTP_ADDRESS"
    public static let adminToken = "KLARO_ADMIN_TOKEN"
    public static let credentialKeys = "KLARO_CREDENTIAL_KEYS"
    public static let jwtSecret = "KLARO_JWT_SECRET"
    public static let syncInterval = "KLARO_SYNC_INTERVAL"
    public static let log = "KLARO_LOG"
    public static let logLevel = "KLARO_LOG_LEVEL"
    public static let queueDepth = "KLARO_QUEUE_DEPTH"
    public static let jobDeadline = "KLARO_JOB_DEADLINE"
    public static let refillWindow = "KLARO_REFILL_WINDOW_SECONDS"
    public static let dispatchStealAfter = "KLARO_DISPATCH_STEAL_AFTER_SECONDS"
    public static let dispatchStealAcrossHostsAfter = "KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS"
    public static let lostGrace = "KLARO_LOST_GRACE"
    public static let slotDeadAfter = "KLARO_SLOT_DEAD_AFTER"
    public static let staleAfter = "KLARO_STALE_AFTER"
    public static let heartbeatPersistInterval = "KLARO_HEARTBEAT_PERSIST_INTERVAL"
    public static let schedulerTick = "KLARO_SCHEDULER_TICK"
    public static let runRetentionDays = "KLARO_RUN_RETENTION_DAYS"
    public static let snapshotRetentionDays = "KLARO_SNAPSHOT_RETENTION_DAYS"
    public static let placementEpsilon = "KLARO_PLACEMENT_EPSILON"
    public static let placementAffinity = "KLARO_PLACEMENT_AFFINITY"
    public static let placementLoginGain = "KLARO_PLACEMENT_LOGIN_GAIN"
    public static let placementLoadMovesPerHour = "KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR"
    public static let maxDeals = "KLARO_MAX_DEALS_PER_RESULT"
    public static let ingestBatch = "KLARO_INGEST_BATCH"
    public static let ingestWorkers = "KLARO_INGEST_WORKERS"
    public static let retryBase = "KLARO_RETRY_BASE"
    public static let retryCap = "KLARO_RETRY_CAP"
    public static let retryAttempts = "KLARO_RETRY_ATTEMPTS"
    public static let corsOrigins = "KLARO_CORS_ORIGINS"
    public static let webRoot = "KLARO_WEB_ROOT"
    public static let nodeName = "KLARO_NODE_NAME"
    public static let stripeWebhookSecret = "KLARO_STRIPE_WEBHOOK_SECRET"
    public static let authFailureLimit = "KLARO_AUTH_FAILURE_LIMIT"
    public static let publicURL = "KLARO_PUBLIC_URL"
    public static let supabaseURL = "KLARO_SUPABASE_URL"
    public static let supabaseJWKSFile = "KLARO_SUPABASE_JWKS_FILE"
    public static let accessTokenLifetime = "KLARO_ACCESS_TOKEN_LIFETIME"
    public static let sessionIdleTimeout = "KLARO_SESSION_IDLE_TIMEOUT"
    public static let authRateLimit = "KLARO_AUTH_RATE_LIMIT"
    public static let authEmailRateLimit = "KLARO_AUTH_EMAIL_RATE_LIMIT"
    public static let trustedProxies = "KLARO_TRUSTED_PROXIES"
    public static let syncTargetMoving = "KLARO_SYNC_TARGET_MOVING"
    public static let syncTargetQuiet = "KLARO_SYNC_TARGET_QUIET"
    public static let syncTargetDormant = "KLARO_SYNC_TARGET_DORMANT"
    public static let syncPlanTargets = "KLARO_SYNC_PLAN_TARGETS"
    public static let syncTargetUtilisation = "KLARO_SYNC_TARGET_UTILISATION"
    public static let syncMaxStretch = "KLARO_SYNC_MAX_STRETCH"

    /// Every known key, to catch typos in configuration files.
    public static let all: Set<String> = [
        config, databaseURL, databasePoolSize, redisURL, httpAddress, adminToken, credentialKeys, jwtSecret,
        placementAffinity, placementLoginGain, placementLoadMovesPerHour,
        syncInterval, log, logLevel, queueDepth, jobDeadline, refillWindow, dispatchStealAfter, dispatchStealAcrossHostsAfter, lostGrace, slotDeadAfter, staleAfter, heartbeatPersistInterval,
        schedulerTick, runRetentionDays, snapshotRetentionDays, placementEpsilon, maxDeals, ingestBatch, ingestWorkers,
        retryBase, retryCap, retryAttempts, corsOrigins, webRoot, nodeName, stripeWebhookSecret, authFailureLimit,
        publicURL, supabaseURL, supabaseJWKSFile, accessTokenLifetime, sessionIdleTimeout, authRateLimit,
        authEmailRateLimit, trustedProxies, syncTargetMoving, syncTargetQuiet, syncTargetDormant, syncPlanTargets,
        syncTargetUtilisation, syncMaxStretch,
    ]
}
