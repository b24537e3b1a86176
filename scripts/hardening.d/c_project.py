"""Generates a small C project for the `make -j2` workload: N translation
units, a shared header, a generated source, a static library and a program
that prints a checksum.  Deterministic: the same N gives the same tree."""
import os
import sys


def generate(root, n=60):
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    with open(os.path.join(root, "src", "common.h"), "w") as f:
        f.write("#pragma once\n#include <stdint.h>\n")
        for i in range(n):
            f.write(f"uint64_t unit{i}(uint64_t x);\n")
    for i in range(n):
        with open(os.path.join(root, "src", f"unit{i}.c"), "w") as f:
            f.write('#include "common.h"\n')
            f.write(f"uint64_t unit{i}(uint64_t x) {{\n  for (int k = 0; k < {i + 3}; ++k)\n"
                    f"    x = x * 6364136223846793005ull + {2 * i + 1}ull;\n  return x ^ (x >> 29);\n}}\n")
    with open(os.path.join(root, "src", "main.c"), "w") as f:
        f.write('#include <stdio.h>\n#include "common.h"\n#include "table.h"\nint main(void) {\n  uint64_t x = 1;\n')
        for i in range(n):
            f.write(f"  x = unit{i}(x);\n")
        f.write('  printf("checksum %016llx table %d\\n", (unsigned long long)x, TABLE_SIZE);\n  return 0;\n}\n')
    objs = " ".join(f"build/unit{i}.o" for i in range(n))
    with open(os.path.join(root, "Makefile"), "w") as f:
        f.write(f"""CC ?= cc
CFLAGS = -O1 -Wall -Werror -Isrc -Ibuild
OBJS = {objs}

all: build/prog

build:
\tmkdir -p build

build/table.h: | build
\tprintf '#define TABLE_SIZE %d\\n' {n} > $@.tmp && mv $@.tmp $@

build/%.o: src/%.c src/common.h | build
\t$(CC) $(CFLAGS) -c $< -o $@

build/main.o: src/main.c src/common.h build/table.h | build
\t$(CC) $(CFLAGS) -c $< -o $@

build/libunits.a: $(OBJS)
\trm -f $@ && ar rcs $@ $^

build/prog: build/main.o build/libunits.a
\t$(CC) -o $@ build/main.o -Lbuild -lunits

clean:
\trm -rf build
.PHONY: all clean
""")


if __name__ == "__main__":
    generate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60)
