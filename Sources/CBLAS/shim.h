// Shim for OpenBLAS's CBLAS interface (pkg-config name "openblas"; Debian ships no cblas.pc).
#include <cblas.h>
