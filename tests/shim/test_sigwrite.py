"""A signal handler calling write() while the interrupted thread is inside
the shim's own write() (and, with stacks on, inside libunwind): no deadlock,
and every handler write is recorded, with stacks off and on."""
from shimtest import check, main


def run(env, prog, name, **extra):
    env.fresh_logdir(name)
    p = env.run([prog], timeout=120, **extra)
    handled, mainn = map(int, p.stdout.split())
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["problems"], f"{name}: log damaged")
    fds = {r.get("path"): r["ret"] for r in recs if r["kind"] == "open"}
    hw = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] == fds["handler.txt"]]
    mw = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] == fds["main.txt"]]
    check(len(mw) == mainn, f"{name}: {len(mw)} of {mainn} main-thread writes recorded")
    return handled, len(hw), mainn


def test(env, progs):
    handled, logged, mainn = run(env, progs[0], "nostacks")
    check(handled >= 2000, f"only {handled} signals handled")
    check(logged == handled, f"stacks off: {logged} of {handled} handler writes recorded")
    print(f"stacks off: {handled} handler writes, {logged} recorded, {mainn} main writes")
    handled, logged, mainn = run(env, progs[0], "stacks", AWAITAUDIT_STACKS=1)
    check(handled >= 2000, f"stacks on: only {handled} signals handled")
    check(logged == handled, f"stacks on: {logged} of {handled} handler writes recorded")
    print(f"stacks on: {handled} handler writes, {logged} recorded, {mainn} main writes")


main(test)
