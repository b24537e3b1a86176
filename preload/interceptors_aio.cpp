// POSIX AIO (aio_read, aio_write, aio_fsync, lio_listio).  glibc runs the
// requests on threads it creates and with calls it makes to itself, none of
// which an interposer sees: the I/O itself stays invisible.  The requests
// are recorded (op 0 read, 1 write, 2 fsync, 3 lio_listio) so the analysis
// can say that this program's AIO was not analysed instead of reporting it
// clean.
#include <aio.h>
#include <errno.h>

#include "interceptor.h"

using namespace aa;

namespace {
template <class F>
int traced_aio(int fd, int64_t count, int64_t offset, int op, F&& fn) {
  Call c;
  call_begin(c, AA_AIO);
  c.args(fd, count, offset, op);
  return traced(c, fn);
}
// One request block (struct aiocb or aiocb64).
template <class CB, class F>
int traced_aio_cb(CB* cb, int op, F&& fn) {
  return traced_aio(cb ? cb->aio_fildes : -1, cb ? (int64_t)cb->aio_nbytes : 0, cb ? (int64_t)cb->aio_offset : 0, op,
                    fn);
}
}  // namespace

AA_INTERCEPTOR(int, aio_read, (struct aiocb* cb)) { return traced_aio_cb(cb, 0, [&] { return REAL(aio_read)(cb); }); }
AA_INTERCEPTOR(int, aio_read64, (struct aiocb64* cb)) {
  return traced_aio_cb(cb, 0, [&] { return REAL(aio_read64)(cb); });
}
AA_INTERCEPTOR(int, aio_write, (struct aiocb* cb)) { return traced_aio_cb(cb, 1, [&] { return REAL(aio_write)(cb); }); }
AA_INTERCEPTOR(int, aio_write64, (struct aiocb64* cb)) {
  return traced_aio_cb(cb, 1, [&] { return REAL(aio_write64)(cb); });
}
AA_INTERCEPTOR(int, aio_fsync, (int op, struct aiocb* cb)) {
  return traced_aio(cb ? cb->aio_fildes : -1, 0, 0, 2, [&] { return REAL(aio_fsync)(op, cb); });
}
AA_INTERCEPTOR(int, aio_fsync64, (int op, struct aiocb64* cb)) {
  return traced_aio(cb ? cb->aio_fildes : -1, 0, 0, 2, [&] { return REAL(aio_fsync64)(op, cb); });
}
AA_INTERCEPTOR(int, lio_listio, (int mode, struct aiocb* const list[], int n, struct sigevent* sev)) {
  return traced_aio(-1, n, 0, 3, [&] { return REAL(lio_listio)(mode, list, n, sev); });
}
AA_INTERCEPTOR(int, lio_listio64, (int mode, struct aiocb64* const list[], int n, struct sigevent* sev)) {
  return traced_aio(-1, n, 0, 3, [&] { return REAL(lio_listio64)(mode, list, n, sev); });
}
