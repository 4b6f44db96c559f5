#!/usr/bin/env python3
"""scripts/check-layout.py - the engine's layout rules (make check-layout).

From the built objects (nm: which file defines each symbol, which file uses
it) it draws the import graph of src/ and checks:
  1. no cycle passes through an API file (one that defines a public pt_
     function): the API sits on top of the engine's modules, which never
     call back into it;
  2. src/arch/ never includes the engine's internal.h;
  3. every file of src/ opens with a comment naming itself and what it owns
     ("/*\\n * NAME - ...");
  4. no file outside waitstatus.c tests raw wait-status bits (WIFSTOPPED and
     friends), and none outside src/arch/ tests __x86_64__ / __i386__.
Prints the graph's strongly connected components and each file's size.
"""
import collections, glob, os, re, subprocess, sys

build = sys.argv[1] if len(sys.argv) > 1 else 'build'
objroot = os.path.join(build, 'obj')
fail = []

defs, uses, exported = {}, {}, set()
for o in sorted(glob.glob(objroot + '/src/**/*.o', recursive=True)):
    src = os.path.relpath(o, objroot)[:-2] + '.c'
    out = subprocess.run(['nm', o], capture_output=True, text=True,
                         check=True).stdout
    uses[src] = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'TDBRW':
            defs.setdefault(f[2], src)
            if f[1] == 'T' and re.match(r'pt_[a-z]', f[2]):
                exported.add(src)
        elif len(f) == 2 and f[0] == 'U':
            uses[src].add(f[1])
if not uses:
    sys.exit('check-layout: no objects under %s (build first)' % objroot)

graph = {s: set() for s in uses}
for s, u in uses.items():
    for sym in u:
        d = defs.get(sym)
        if d and d != s:
            graph[s].add(d)

# Tarjan's strongly connected components
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        sccs.append(sorted(comp))
for v in sorted(graph):
    if v not in index:
        visit(v)

api = sorted(exported)
print('API files:', ' '.join(api))
for comp in sccs:
    if len(comp) > 1:
        print('cycle among engine modules:', ' '.join(comp))
        bad = [f for f in comp if f in exported]
        if bad:
            fail.append('API file(s) %s in a cycle with %s' %
                        (' '.join(bad), ' '.join(comp)))

for f in sorted(glob.glob('src/**/*.[ch]', recursive=True)):
    text = open(f).read()
    name = os.path.basename(f)
    if f.startswith('src/arch/') and re.search(r'#include\s+"internal\.h"', text):
        fail.append('%s includes internal.h (arch/ must not)' % f)
    if not re.match(r'/\*\n \* %s - ' % re.escape(name), text):
        fail.append('%s does not open with "/*\\n * %s - what it owns"' % (f, name))
    code = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    if name not in ('waitstatus.c',) and re.search(r'\bW(IFSTOPPED|IFEXITED|IFSIGNALED|STOPSIG|EXITSTATUS|TERMSIG)\b', code):
        fail.append('%s decodes raw wait statuses (waitstatus.c owns that)' % f)
    if not f.startswith('src/arch/') and re.search(r'__x86_64__|__i386__', code):
        fail.append('%s tests the architecture (src/arch/ owns that)' % f)

sizes = sorted((sum(1 for _ in open(f)), f) for f in glob.glob('src/*.c'))
print('largest files:', ', '.join('%s %d' % (f, l) for l, f in sizes[::-1][:6]))
for m in fail:
    print('check-layout:', m, file=sys.stderr)
if fail:
    sys.exit(1)
print('check-layout: no cycle through the API files; arch/ is clean; every file says what it owns')
