#pragma once
// Debian's libargon2 (the reference implementation): Argon2id password hashes in the PHC
// string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
#include <argon2.h>
