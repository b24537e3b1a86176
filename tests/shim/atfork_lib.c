// A library whose constructor registers fork handlers before the shim's own
// (a DT_NEEDED library is initialised before an LD_PRELOAD one), as
// jemalloc does inside rustc: the child handler locks and unlocks a mutex.
#include <pthread.h>

static pthread_mutex_t lib_mutex = PTHREAD_MUTEX_INITIALIZER;

static void prepare(void) { pthread_mutex_lock(&lib_mutex); }
static void parent(void) { pthread_mutex_unlock(&lib_mutex); }
static void child(void) {
  pthread_mutex_unlock(&lib_mutex);
  for (int i = 0; i < 64; ++i) {  // enough records to run over a chunk's records
    pthread_mutex_lock(&lib_mutex);
    pthread_mutex_unlock(&lib_mutex);
  }
}

__attribute__((constructor)) static void init(void) { pthread_atfork(prepare, parent, child); }

void* atfork_lib_mutex(void) { return &lib_mutex; }
