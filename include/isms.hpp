/* libisms for C++: the C API of isms.h with C linkage.
 * (isms.h itself carries no extern "C" block, so that PHP's FFI can read it.) */
#ifndef ISMS_HPP
#define ISMS_HPP
extern "C" {
#include "isms.h"
}
#endif /* ISMS_HPP */
