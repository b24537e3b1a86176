// Creation of channel fds (pipes, eventfds, sockets): recorded so the
// analyzer treats their reads and writes as happens-before edges, not files.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "interceptor.h"

using namespace aa;

AA_INTERCEPTOR(int, pipe, (int fds[2])) {
  Call c;
  call_begin(c, AA_PIPE);
  int r = REAL(pipe)(fds);
  if (c.ts) {
    c.args(r == 0 ? fds[0] : -1, r == 0 ? fds[1] : -1, 0);
    call_end(c, r);
  }
  return r;
}
AA_INTERCEPTOR(int, pipe2, (int fds[2], int flags)) {
  Call c;
  call_begin(c, AA_PIPE);
  int r = REAL(pipe2)(fds, flags);
  if (c.ts) {
    c.args(r == 0 ? fds[0] : -1, r == 0 ? fds[1] : -1, flags);
    call_end(c, r);
  }
  return r;
}
AA_INTERCEPTOR(int, eventfd, (unsigned initval, int flags)) {
  Call c;
  call_begin(c, AA_EVENTFD);
  c.args(initval, flags);
  return traced(c, [&] { return REAL(eventfd)(initval, flags); });
}
AA_INTERCEPTOR(int, socketpair, (int domain, int type, int proto, int sv[2])) {
  Call c;
  call_begin(c, AA_SOCKETPAIR);
  int r = REAL(socketpair)(domain, type, proto, sv);
  if (c.ts) {
    c.args(r == 0 ? sv[0] : -1, r == 0 ? sv[1] : -1, domain, type);
    call_end(c, r);
  }
  return r;
}
AA_INTERCEPTOR(int, socket, (int domain, int type, int proto)) {
  Call c;
  call_begin(c, AA_SOCKET);
  c.args(domain, type, proto);
  return traced(c, [&] { return REAL(socket)(domain, type, proto); });
}

// glibc's eventfd helpers reach read/write internally, past our interposers.
AA_INTERCEPTOR(int, eventfd_read, (int fd, eventfd_t* v)) {
  Call c;
  call_begin(c, AA_READ);
  c.args(fd, sizeof(eventfd_t), -1, 0);
  return traced(c, [&] { return REAL(eventfd_read)(fd, v); });
}
AA_INTERCEPTOR(int, eventfd_write, (int fd, eventfd_t v)) {
  Call c;
  call_begin(c, AA_WRITE);
  c.args(fd, sizeof(eventfd_t), -1, 0);
  return traced(c, [&] { return REAL(eventfd_write)(fd, v); });
}
