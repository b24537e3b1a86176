"""Command-line tools and C libraries for scripts/hardening (names start
with "cli:", so `--only cli:` runs them all): archivers, sort's temporary
files, tree copies, parallel xargs, dpkg-deb, perl/awk, gcc's -pipe and
-save-temps, and two correct GLib and libuv programs.  Each script prints
only what must be equal with and without the shim (digests, counts)."""
import os
import random
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "cli_tools")


def make_tree(root, files, seed=7):
    """A reproducible tree of text and binary files, a few levels deep."""
    rnd = random.Random(seed)
    for i in range(files):
        d = os.path.join(root, f"d{i % 7}", f"s{i % 3}")
        os.makedirs(d, exist_ok=True)
        if i % 5 == 0:
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 9000)))
            name = f"f{i}.bin"
        else:
            words = [f"w{rnd.randint(0, 500)}" for _ in range(rnd.randint(1, 400))]
            data = (" ".join(words) + "\n").encode() * rnd.randint(1, 4)
            name = f"f{i}.txt"
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def _workload_base():
    from workloads import Workload
    return Workload


class Script(_workload_base()):
    """A shell script run with `bash -euo pipefail` in the work directory."""

    def __init__(self, name, script, needs=(), files=400, quick=False, build=None):
        self.name = "cli: " + name
        self.script = script
        self.needs = ("bash",) + tuple(needs)
        self.files = files
        self.quick = quick
        self.build = build      # C program to compile in prepare: (source, extra cc args)

    def prepare(self, work):
        if self.files:
            make_tree(os.path.join(work, "tree"), self.files)
        if self.build:
            src, args = self.build
            out = os.path.join(work, os.path.splitext(os.path.basename(src))[0])
            subprocess.run(["cc", "-O1", "-g", "-o", out, os.path.join(TOOLS, src)] + args, check=True)

    def command(self, work):
        return ["bash", "-euo", "pipefail", "-c", self.script]

    def rerun_command(self, work):
        # `awaitaudit ci` reruns in one directory: start from the inputs again.
        keep = "tree|glib_prog|libuv_prog|big.txt"
        return ["bash", "-euo", "pipefail", "-c",
                f"find . -mindepth 1 -maxdepth 1 | {{ grep -Ev '^./({keep})$' || true; }} | xargs -r rm -rf; " + self.script]


def _pkg(name):
    return subprocess.run(["pkg-config", "--cflags", "--libs", name], capture_output=True, text=True).stdout.split()


TAR = r"""
tar --sort=name --mtime=@0 --owner=0 --group=0 -cf - tree | gzip -n -6 > t.tgz
mkdir x1 && tar -xzf t.tgz -C x1 && diff -r tree x1/tree && echo gzip-roundtrip-equal
tar --sort=name --mtime=@0 --owner=0 --group=0 -I 'xz -T2 -3' -cf t.txz tree
mkdir x2 && tar -xJf t.txz -C x2 && diff -r tree x2/tree && echo xz-roundtrip-equal
tar --sort=name --mtime=@0 --owner=0 --group=0 -I 'zstd -T2 -q' -cf t.tzst tree
mkdir x3 && tar -I 'zstd -d -q' -xf t.tzst -C x3 && diff -r tree x3/tree && echo zstd-roundtrip-equal
tar -cjf t.tbz2 -C x1 tree && bzip2 -t t.tbz2 && gzip -t t.tgz && xz -t -T2 t.txz && echo tested
zip -q -r t.zip tree && mkdir x4 && (cd x4 && unzip -q ../t.zip) && diff -r tree x4/tree && echo zip-equal
sha256sum t.tgz | cut -c1-64
tar -tzf t.tgz | sort | sha256sum
"""

SORT = r"""
mkdir tmpd
sort -S 200K --parallel=2 -T tmpd big.txt > sorted.txt
sort -c sorted.txt && echo sorted-ok
sort -S 100K --parallel=2 -T tmpd -t, -k2,2n -k1,1 big.txt -o by-num.txt
sort -S 100K -T tmpd -u big.txt | wc -l
split -n l/4 big.txt part. && for p in part.*; do sort -S 64K -T tmpd "$p" -o "$p.s"; done
sort -m part.*.s | cmp - sorted.txt && echo merge-equal
ls tmpd | wc -l
sha256sum sorted.txt by-num.txt | cut -c1-64
"""

TREE_OPS = r"""
cp -r tree a && cp -a a b && mv b c && diff -r tree c && echo copy-equal
cp -rl c hard && cp -rs "$PWD/c" soft && find hard -type f | wc -l && find soft -type l | wc -l
mkdir moved && for d in c/*; do mv "$d" moved/; done && diff -r tree moved && echo move-equal
find moved -name '*.txt' -exec sed -i 's/w1/W1/g' {} + && grep -rl W1 moved | wc -l
install -m 0640 -D moved/d0/s0/f0.bin inst/deep/f0.bin && cmp inst/deep/f0.bin tree/d0/s0/f0.bin
dd if=tree/d0/s0/f0.bin of=ddcopy bs=512 conv=fsync status=none && cmp ddcopy tree/d0/s0/f0.bin
truncate -s 1M sparse && fallocate -l 64K falloc && stat -c '%s' sparse falloc
rm -r a hard soft && rm -rf moved && ls
"""

XARGS = r"""
find tree -name '*.txt' -print0 | xargs -0 -P2 -n 10 gzip -k
find tree -name '*.txt.gz' -print0 | xargs -0 -P2 -n 20 gzip -t && echo gz-tested
find tree -name '*.txt.gz' | wc -l
find tree -name '*.bin' -print0 | xargs -0 -P2 -I{} sh -c 'sha256sum "$1" > "$1.sum"' _ {}
find tree -name '*.sum' -print0 | sort -z | xargs -0 cat | sed "s#  .*/#  #" | sha256sum
find tree -name '*.gz' -print0 | sort -z | xargs -0 -n 30 zcat | sha256sum
"""

DPKG = r"""
mkdir -p pkg/DEBIAN pkg/usr/share/hardening && cp -r tree/d1 tree/d2 pkg/usr/share/hardening/
printf 'Package: aa-hardening\nVersion: 1.0\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: test\n' > pkg/DEBIAN/control
SOURCE_DATE_EPOCH=0 dpkg-deb --root-owner-group -Zxz --build pkg p.deb >/dev/null
SOURCE_DATE_EPOCH=0 dpkg-deb --root-owner-group -Zgzip --build pkg q.deb >/dev/null
dpkg-deb -f p.deb Package Version
dpkg-deb -c p.deb | awk '{print $6}' | sort | sha256sum
dpkg-deb -x p.deb ex && diff -r pkg/usr ex/usr && echo extract-equal
dpkg-deb -R q.deb raw && diff -r pkg raw && echo raw-equal
"""

PERL_AWK = r"""
mkdir out
perl -e 'for my $i (0..199) { open(my $f, ">", "out/p$i.tmp") or die; print $f "line $_ of $i\n" for 1..($i+1); close $f; rename("out/p$i.tmp", "out/p$i.txt") or die; my @s = stat("out/p$i.txt"); print "bad $i\n" if $s[7] == 0 }'
perl -ne 'print if /7/' out/p*.txt | wc -l
find tree -name '*.txt' | sort | xargs cat | awk '{ for (i = 1; i <= NF; i++) { k = substr($i, 1, 2); print $i > ("out/awk-" k ".txt") } }'
ls out/awk-* | wc -l
awk 'END { print NR }' out/awk-*.txt
cat out/p*.txt | tee out/tee1 out/tee2 | sha256sum
cmp out/tee1 out/tee2 && perl -i -pe 's/line/LINE/' out/p1*.txt && grep -c LINE out/p10.txt
"""

GCC = r"""
mkdir src obj tmps
for i in $(seq 0 11); do
  printf '#include "common.h"\nint f%d(int x) { return x * %d + helper(x); }\n' $i $i > src/u$i.c
done
printf 'static inline int helper(int x) { return x ^ 3; }\n' > src/common.h
printf '#include <stdio.h>\n' > src/main.c
for i in $(seq 0 11); do printf 'int f%d(int);\n' $i >> src/main.c; done
printf 'int main(void) { long s = 0; for (int i = 0; i < 100; i++) { s += f0(i) + f5(i) + f11(i); } printf("%%ld\\n", s); return 0; }\n' >> src/main.c
for i in $(seq 0 5); do gcc -pipe -O2 -c src/u$i.c -o obj/u$i.o; done
(cd tmps && for i in $(seq 6 11); do gcc -save-temps -O1 -c ../src/u$i.c -o ../obj/u$i.o; done)
ls tmps | sort | tr '\n' ' '; echo
ar rcs obj/libu.a obj/u*.o && gcc -pipe -O2 src/main.c obj/libu.a -o prog && ./prog
objcopy --strip-debug prog prog.s && strip prog.s -o prog.ss && ./prog.ss
gcc -pipe -O2 -flto -c src/u0.c -o obj/l0.o && gcc -pipe -flto -O2 src/main.c obj/l0.o obj/u[1-9].o obj/u1?.o -o prog.lto && ./prog.lto
"""

SQLITE_ROLLBACK = r"""
sqlite3 db.sqlite <<'SQL'
PRAGMA journal_mode=DELETE;
PRAGMA synchronous=FULL;
CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, n INT);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
INSERT INTO t(v, n) SELECT printf('value-%d', x), x % 97 FROM c;
COMMIT;
BEGIN; UPDATE t SET n = n + 1 WHERE k % 3 = 0; DELETE FROM t WHERE k % 11 = 0; COMMIT;
BEGIN; INSERT INTO t(v, n) VALUES ('rolled-back', -1); ROLLBACK;
SQL
sqlite3 db.sqlite 'SELECT count(*), sum(n) FROM t; PRAGMA integrity_check;'
sqlite3 db.sqlite '.backup copy.sqlite' && sqlite3 copy.sqlite 'SELECT count(*), sum(n) FROM t'
sqlite3 db.sqlite .dump | sqlite3 dumped.sqlite && sqlite3 dumped.sqlite 'SELECT count(*), sum(n) FROM t'
ls
"""

NINJA = r"""
{
printf 'rule cc\n  command = gcc -MD -MF $out.d -O1 -c $in -o $out\n  depfile = $out.d\n'
printf 'rule link\n  command = gcc $in -o $out\n'
printf 'rule gen\n  command = sh -c %s\n' "'echo \"#define N \$\$(wc -l < \$in)\" > \$out.tmp && mv \$out.tmp \$out'"
printf 'build gen.h: gen units.txt\n'
} > build.ninja
seq 0 23 > units.txt
printf '#include <stdio.h>\n' > main.c
objs=""
for i in $(seq 0 23); do
  printf '#include "gen.h"\nint f%d(void) { return N + %d; }\n' $i $i > u$i.c
  printf 'build u%d.o: cc u%d.c || gen.h\n' $i $i >> build.ninja
  printf 'int f%d(void);\n' $i >> main.c
  objs="$objs u$i.o"
done
printf 'int main(void) { printf("%%d\\n", f0() + f23()); return 0; }\n' >> main.c
printf 'build main.o: cc main.c\nbuild prog: link main.o%s\n' "$objs" >> build.ninja
ninja -j2 >/dev/null && ./prog && ninja -t clean >/dev/null && ninja -j2 >/dev/null && ./prog
echo 99 >> units.txt && ninja -j2 | tail -1 | sed 's/^\[[0-9/]*\] //' && ./prog
"""

# Three sqlite3 processes insert into one database at once; SQLite orders
# them with fcntl() record locks.
SQLITE_CONCURRENT = r"""
sqlite3 db.sqlite 'PRAGMA journal_mode=DELETE; CREATE TABLE t(p INT, i INT);' >/dev/null
for p in 1 2 3; do
  ( for i in $(seq 1 40); do echo "BEGIN IMMEDIATE; INSERT INTO t VALUES($p, $i); COMMIT;"; done |
    sqlite3 -cmd '.timeout 5000' db.sqlite ) &
done
wait
sqlite3 db.sqlite 'SELECT count(*), sum(i) FROM t; PRAGMA integrity_check;'
"""


def all_cli():
    return [
        Script("tar gzip/xz/zstd/bzip2/zip round trips", TAR, needs=("tar", "gzip", "xz", "zstd", "bzip2", "zip", "unzip")),
        SortBig(),
        Script("cp/mv/rm/sed -i/install/dd of a tree", TREE_OPS),
        Script("find | xargs -P2 gzip/sha256sum", XARGS),
        Script("dpkg-deb build/inspect/extract", DPKG, needs=("dpkg-deb",)),
        Script("perl/awk/tee writing files", PERL_AWK, needs=("perl", "awk")),
        Script("gcc -pipe, -save-temps, ar, objcopy, lto", GCC, needs=("gcc", "ar", "objcopy"), files=0),
        Script("sqlite3 rollback journal, backup, dump", SQLITE_ROLLBACK, needs=("sqlite3",), files=0),
        Script("ninja -j2 of a generated C project", NINJA, needs=("ninja", "gcc"), files=0),
        Script("sqlite3: three processes inserting at once", SQLITE_CONCURRENT, needs=("sqlite3",), files=0),
        Script("GLib program (g_file_set_contents, GTask, GIO async, GThreadPool)",
               "mkdir out && ./glib_prog out && ls out | wc -l", files=0,
               build=("glib_prog.c", _pkg("gio-2.0"))),
        Script("libuv program (chained uv_fs callbacks, uv_queue_work)",
               "mkdir out && ./libuv_prog out && ls out | wc -l", files=0,
               build=("libuv_prog.c", ["-luv"])),
    ]


class SortBig(Script):
    def __init__(self):
        super().__init__("sort -S small --parallel=2 with temp files", SORT, files=0)

    def prepare(self, work):
        rnd = random.Random(11)
        with open(os.path.join(work, "big.txt"), "w") as f:
            for _ in range(150000):
                f.write(f"{rnd.getrandbits(40):x},{rnd.randint(0, 99999)}\n")
