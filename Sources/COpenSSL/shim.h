#pragma once
// OpenSSL 3.0 libcrypto, as used by KlaroCrypto: EVP ciphers, keys, KDFs and digests,
// the random generator, the error queue and OPENSSL_cleanse.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

// Macros that alias other macros are not always imported by Swift; pin the values here.
static const int KLARO_EVP_PKEY_X25519 = EVP_PKEY_X25519;
static const int KLARO_EVP_CTRL_GCM_GET_TAG = EVP_CTRL_GCM_GET_TAG;
static const int KLARO_EVP_CTRL_GCM_SET_TAG = EVP_CTRL_GCM_SET_TAG;
static const int KLARO_EVP_CTRL_GCM_SET_IVLEN = EVP_CTRL_GCM_SET_IVLEN;
static const int KLARO_EVP_PKEY_HKDF = EVP_PKEY_HKDF;
#include <openssl/bn.h>
#include <openssl/rsa.h>

// Selections and sizes used to import and export JWS keys (ES256, RS256).
static const int KLARO_EVP_PKEY_PUBLIC_KEY = EVP_PKEY_PUBLIC_KEY;
