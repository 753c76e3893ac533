# One table from the C kernels' status codes (csrc/assocmem.h) to exception
# classes, included by every .pyx (uber/h3-py's model): the same status is
# the same exception wherever it comes from, and the message names the C
# function that returned it.
from assocmem.errors import KernelError, KernelMemoryError, StateValueError

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
