# One table from the C kernels' status codes (csrc/assocmem.h) to exception
# classes, included by every .pyx (uber/h3-py's model): the same status is
# the same exception wherever it comes from, and the message names the C
# function that returned it.
from assocmem.errors import ArgumentError, KernelError, KernelMemoryError, StateValueError

_STATUS = {
    AM_EINVAL: (KernelError, "a size argument is out of range or a pointer is NULL (a bug: please report it)"),
    AM_ERANGE: (KernelError, "an index lies outside its range (a bug: please report it)"),
    AM_EVALUE: (StateValueError, "a value lies outside its domain (a state or pattern that is not +1/-1, "
                                 "or a repeated id)"),
    AM_ENOMEM: (KernelMemoryError, "out of memory"),
}


cdef int _check(int status, str func) except -1:
    """Raise the exception of a C status; name the C function that returned it."""
    if status == AM_OK:
        return 0
    cls, what = _STATUS.get(status, (KernelError, f"unknown status {status}"))
    raise cls(f"{func}: {what}")


cdef int _check_order(const int64_t[::1] order, int64_t n) except -1:
    """Every entry of a visit order in [0, n): release builds of the C sweeps
    index with it unchecked (csrc/am_internal.h), so it is checked here, once
    per sweep (n comparisons against the sweep's n p or n^2 work)."""
    cdef Py_ssize_t k
    cdef int64_t i
    for k in range(order.shape[0]):
        i = order[k]
        if i < 0 or i >= n:
            raise ArgumentError(f"order: expected neuron indices in [0, {n}); got {i} at position {k}")
    return 0
