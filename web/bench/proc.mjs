// Processor time of the processes a benchmark starts, from /proc (Linux):
// user and system time of each, by kind (the browser's processes, the
// native messaging host, the agent).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

// cpuSeconds is the processor time (user and system) of a process from
// /proc/<pid>/stat: of its own, or with children that exited and were
// waited for.
export function cpuSeconds(pid, children = false) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / CLOCK_TICKS;
}

// processCPU gives the processor time of every live process descended from
// this one by kind: "agent" (agentPid), "host" (a command line matching
// host), the browser's "page" and "extension" renderers, "browser" (the
// browser's main process) and "other" (its other helpers). With helpers
// set, the other helpers are told apart: "network" (the network service),
// "utility" (Chromium's other utility processes), "gpu", and "other" (the
// zygotes and the rest).
export function processCPU(agentPid, host = /(^|\/)zavera-host( |$)/, { helpers = false } = {}) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch (_) { /* gone */ }
  }
  const out = new Map(); // pid → {kind, cpu}
  for (const pid of parent.keys()) {
    let p = pid;
    while (p > 1 && p !== process.pid) p = parent.get(p) || 0;
    if (p !== process.pid || pid === process.pid) continue;
    try {
      // Chromium's forked processes rewrite their command line as one
      // string, so it is searched as text.
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const type = (/ --type=(\S+)/.exec(cmd) || [null, ''])[1];
      let kind = 'other';
      if (pid === agentPid) kind = 'agent';
      else if (host.test(cmd)) kind = 'host';
      else if (type === 'renderer') kind = / --extension-process( |$)/.test(cmd) ? 'extension' : 'page';
      else if (type === '') kind = 'browser';
      else if (helpers && type === 'utility') kind = / --utility-sub-type=network\.mojom\.NetworkService( |$)/.test(cmd) ? 'network' : 'utility';
      else if (helpers && type === 'gpu-process') kind = 'gpu';
      out.set(pid, { kind, cpu: cpuSeconds(pid) });
    } catch (_) { /* gone */ }
  }
  return out;
}

// cpuSpent sums by kind what each process took between two processCPU.
export function cpuSpent(before, after) {
  const by = {};
  for (const [pid, { kind, cpu }] of after) by[kind] = (by[kind] || 0) + cpu - (before.has(pid) ? before.get(pid).cpu : 0);
  return by;
}

// byProcess writes cpuSpent's sums as "page 1.85 s, extension 1.26 s, ...".
export function byProcess(cpu) {
  return Object.entries(cpu).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ');
}
