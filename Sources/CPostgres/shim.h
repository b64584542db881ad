// Shim for libpq.
#include <libpq-fe.h>
