// The stand-in for the Pulumi CLI (./pulumi is its command) as a function: it runs one command
// line with the given environment and standard input, and writes what the CLI would print through
// `io`. ./pulumi runs it as a process; test/helpers/fake-pulumi.ts runs it in a test's own process.
// It records every call (argv, standard input, the backend variable) to
// $FAKE_PULUMI_DIR/calls.jsonl and answers from $FAKE_PULUMI_DIR/state.json with the output shapes
// the real CLI documents: `whoami --json`, `stack ls --json`, `config get --json`, `stack output
// --json`, `stack export` (the untyped deployment, {version, deployment}), `state delete --yes
// URN...` (refusing a resource others depend on or are parented to, as
// pkg/cmd/pulumi/state/state_delete.go does), and for preview/up the engine events written to
// --event-log, one JSON object per line.

import * as fs from "node:fs";
import * as path from "node:path";

/** How a run ends early, with the exit code the CLI would give. */
class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

export function fakePulumi(args, io) {
  const dir = io.env.FAKE_PULUMI_DIR;
  if (!dir) {
    io.err("error: FAKE_PULUMI_DIR is not set\n");
    return { done: Promise.resolve(2), interrupt: () => "forced" };
  }
  const statePath = path.join(dir, "state.json");
  const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
  const save = () => fs.writeFileSync(statePath, JSON.stringify(state, null, 2));
  const stdin = io.stdin;
  fs.appendFileSync(
    path.join(dir, "calls.jsonl"),
    JSON.stringify({ args, stdin, backendUrl: io.env.PULUMI_BACKEND_URL ?? null }) + "\n",
  );
  // When each run started and ended, so tests can tell which runs overlapped.
  const started = Date.now();
  let ended = false;
  const end = (code) => {
    if (!ended)
      fs.appendFileSync(
        path.join(dir, "runs.jsonl"),
        JSON.stringify({ args, started, ended: Date.now(), code }) + "\n",
      );
    ended = true;
    return code;
  };
  // Like the real CLI: the first interrupt cancels the update (it stops after the current step), a
  // second one stops at once. Each is recorded.
  let interrupts = 0;
  let cancelled = false;
  const interrupt = () => {
    interrupts++;
    fs.appendFileSync(
      path.join(dir, "signals.jsonl"),
      JSON.stringify({ args, signal: "SIGINT", interrupts }) + "\n",
    );
    if (interrupts > 1) {
      end(255);
      return "forced";
    }
    cancelled = true;
    return "cancelling";
  };

  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const fail = (message) => {
    io.err(`error: ${message}\n`);
    throw new Exit(255);
  };
  const stackOf = () => {
    const name = flag("--stack") ?? flag("-s");
    if (!name) fail("no stack selected; please use `pulumi stack select` to choose one");
    const stack = state.stacks?.[name];
    if (!stack) fail(`no stack named '${name}' found`);
    return [name, stack];
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Positional arguments: everything but flags and the values of the flags that take one.
  const VALUED = new Set([
    "--stack",
    "-s",
    "--secrets-provider",
    "--event-log",
    "--color",
    "--file",
  ]);
  const positional = args.filter((a, i) => !a.startsWith("-") && !VALUED.has(args[i - 1]));
  const [command, sub] = positional;

  async function update(kind) {
    const [name, stack] = stackOf();
    const log = flag("--event-log");
    let sequence = 0;
    const emit = (event) =>
      log &&
      fs.appendFileSync(
        log,
        JSON.stringify({
          sequence: sequence++,
          timestamp: Math.floor(Date.now() / 1000),
          ...event,
        }) + "\n",
      );
    io.out(`${kind === "up" ? "Updating" : "Previewing update"} (${name})\n\n`);
    emit({ preludeEvent: { config: {} } });
    const resources = stack.resources ?? 3;
    const failAt = stack.failAt?.[kind];
    for (let i = 0; i < resources; i++) {
      const urn = `urn:pulumi:${name}::gemini-access-kit::gcp:projects/service:Service::r${i}`;
      const metadata = { op: "create", urn, type: "gcp:projects/service:Service", provider: "" };
      emit({ resourcePreEvent: { metadata, planning: kind === "preview" } });
      await sleep(stack.delayMs ?? 5);
      if (cancelled) {
        emit({
          diagnosticEvent: {
            urn,
            prefix: "error: ",
            message: "update canceled",
            color: "never",
            severity: "error",
          },
        });
        emit({
          summaryEvent: {
            maybeCorrupt: false,
            durationSeconds: 1,
            resourceChanges: { create: i },
            PolicyPacks: {},
          },
        });
        fail("update canceled");
      }
      if (failAt === i) {
        emit({
          diagnosticEvent: {
            urn,
            prefix: "error: ",
            message: stack.error ?? "googleapi: Error 403: Permission denied",
            color: "never",
            severity: "error",
          },
        });
        emit({ resOpFailedEvent: { metadata, status: 1, steps: 0 } });
        emit({
          summaryEvent: {
            maybeCorrupt: false,
            durationSeconds: 1,
            resourceChanges: { create: i },
            PolicyPacks: {},
          },
        });
        io.out(`    error: ${stack.error ?? "googleapi: Error 403: Permission denied"}\n`);
        fail("update failed");
      }
      emit({ resOutputsEvent: { metadata, planning: kind === "preview" } });
      io.out(` +  gcp:projects:Service r${i} ${kind === "up" ? "created" : "create"}\n`);
    }
    emit({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 1,
        resourceChanges: { create: resources },
        PolicyPacks: {},
      },
    });
    io.out(`\nResources:\n    + ${resources} ${kind === "up" ? "created" : "to create"}\n`);
    if (kind === "up") {
      stack.updated = (stack.updated ?? 0) + 1;
      save();
    }
  }

  async function main() {
    if (command === "version") return void io.out("v3.210.0\n");
    if (command === "whoami") {
      if (!state.backend)
        fail("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
      return void io.out(
        JSON.stringify({ user: "ci", organizations: [], url: state.backend }) + "\n",
      );
    }
    if (command === "login") {
      state.backend = positional[1];
      save();
      return void io.out(`Logged in to ${positional[1]} as ci\n`);
    }
    if (command === "stack" && sub === "ls") {
      const list = Object.entries(state.stacks ?? {}).map(([name, s]) => ({
        name,
        current: false,
        updateInProgress: false,
        resourceCount: s.updated ? (s.resources ?? 3) : 0,
        url: `${state.backend}/${name}`,
      }));
      return void io.out(JSON.stringify(list, null, 4) + "\n");
    }
    if (command === "stack" && sub === "init") {
      const name = positional[2];
      if (state.stacks?.[name]) fail(`stack '${name}' already exists`);
      state.stacks = {
        ...state.stacks,
        [name]: { secretsProvider: flag("--secrets-provider") ?? "default", config: {} },
      };
      save();
      return void io.out(`Created stack '${name}'\n`);
    }
    if (command === "stack" && sub === "output") {
      const [, stack] = stackOf();
      if (!stack.outputs) fail("current stack has no outputs");
      const name = positional[2];
      if (name !== undefined && !(name in stack.outputs))
        fail(`current stack does not have output property '${name}'`);
      return void io.out(
        JSON.stringify(name === undefined ? stack.outputs : stack.outputs[name], null, 2) + "\n",
      );
    }
    if (command === "config" && sub === "get") {
      const [name, stack] = stackOf();
      const key = positional[2];
      const entry = stack.config?.[key];
      if (!entry) fail(`configuration key '${key}' not found for stack '${name}'`);
      return void io.out(JSON.stringify({ value: entry.value, secret: entry.secret }) + "\n");
    }
    if (command === "config" && sub === "set") {
      const [, stack] = stackOf();
      const key = positional[2];
      const value = positional[3] ?? stdin;
      stack.config = { ...stack.config, [key]: { value, secret: args.includes("--secret") } };
      save();
      return;
    }
    if (command === "stack" && sub === "export") {
      const [, stack] = stackOf();
      return void io.out(
        JSON.stringify(
          { version: 3, deployment: stack.deployment ?? { manifest: {}, resources: [] } },
          null,
          4,
        ) + "\n",
      );
    }
    if (command === "state" && (sub === "delete" || sub === "remove" || sub === "rm")) {
      const [, stack] = stackOf();
      if (!args.includes("--yes") && !args.includes("-y"))
        fail("--yes must be passed in to proceed when running in non-interactive mode");
      const resources = stack.deployment?.resources ?? [];
      const targets = new Set(positional.slice(2));
      for (const urn of targets)
        if (!resources.some((r) => r.urn === urn))
          fail(`No such resource "${urn}" exists in the current state`);
      const dependsOn = (r, urn) =>
        r.parent === urn ||
        (r.dependencies ?? []).includes(urn) ||
        Object.values(r.propertyDependencies ?? {}).some((list) => list.includes(urn));
      for (const urn of targets) {
        const dependents = resources.filter((r) => !targets.has(r.urn) && dependsOn(r, urn));
        if (dependents.length > 0 && !args.includes("--target-dependents")) {
          fail(
            `${urn} can't be safely deleted because the following resources depend on it:\n${dependents.map((d) => ` * "${d.urn.split("::").pop()}" (${d.urn})`).join("\n")}\n\nDelete those resources first or pass --target-dependents.`,
          );
        }
      }
      stack.deployment.resources = resources.filter((r) => !targets.has(r.urn));
      save();
      return void io.out(
        targets.size === 1 ? "Resource deleted\n" : `${targets.size} resources deleted\n`,
      );
    }
    if (command === "preview" || command === "up") return update(command);
    fail(`unknown command ${args.join(" ")}`);
  }

  const done = main().then(
    () => end(0),
    (err) => {
      if (err instanceof Exit) return end(err.code);
      io.err(`error: ${String(err)}\n`);
      return end(255);
    },
  );
  return { done, interrupt };
}
