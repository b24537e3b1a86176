/* Linked statically on purpose: `awaitaudit run` must warn that the shim
   cannot see it. */
#include <stdio.h>
int main(void) { return puts("static") < 0; }
