// %hosts' parsing (magics/fleet/hosts.ts) and %%fleet's header (magics/fleet/fleet-cell.ts):
// NAME=URL with the token in its query (or from the environment), hosts files in their
// three shapes, errors that never echo a URL, the redaction every host error goes through,
// and what each host's kernel is sent (the notebook's settings, the %%bt header).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { duplicateNames, hostFromUrl, hostsFromFile, hostsFromWords, redact } from "../../magics/fleet/hosts.ts";
import { parseFleetFlags, settingsPreamble } from "../../magics/fleet/fleet-cell.ts";
import { splitWords } from "../../magics/header-words.ts";

describe("%hosts", () => {
  it("NAME=URL: the base URL without its query, the token from it, the kernelspec (tracebook unless named)", () => {
    expect(hostsFromWords(["a=http://10.0.0.5:8888/?token=abc123", "b=https://gw.example:443/base?token=t%2Fx&kernel=tracebook_k8s"])).toEqual([
      { name: "a", baseUrl: "http://10.0.0.5:8888/", token: "abc123", kernel: "tracebook" },
      { name: "b", baseUrl: "https://gw.example/base/", token: "t/x", kernel: "tracebook_k8s" },
    ]);
    expect(hostFromUrl("c", "http://h:8888")).toEqual({ name: "c", baseUrl: "http://h:8888/", token: "", kernel: "tracebook" });
  });

  it("a token written $NAME comes from the environment, so it stays out of the notebook", () => {
    expect(hostFromUrl("a", "http://h:1/?token=$A_TOKEN", {}, { A_TOKEN: "s3cret" })).toMatchObject({ token: "s3cret" });
    expect(hostFromUrl("a", "http://h:1/?token=${A_TOKEN}", {}, { A_TOKEN: "s3cret" })).toMatchObject({ token: "s3cret" });
    expect(hostFromUrl("a", "http://h:1/?token=$A_TOKEN", {}, {})).toBe("a: the environment has no A_TOKEN for its token");
  });

  it("refuses bad names and URLs without echoing the URL (it may hold the token)", () => {
    expect(hostsFromWords(["a=not a url?token=s3cret"])).toBe("a: not a URL (expected http://HOST:PORT/?token=...)");
    expect(hostsFromWords(["a=ftp://h/?token=s3cret"])).toBe("a: not an http or https URL");
    expect(hostsFromWords(["-x=http://h/"])).toBe("'-x' is not a host name (letters, digits, _ . -)");
    expect(hostsFromWords(["http://h/?token=s3cret"])).toBe("expected NAME=URL, got 'http://h/?token=…'");
    expect(duplicateNames([{ name: "a" }, { name: "b" }, { name: "a" }] as never)).toEqual(["a"]);
  });

  it("reads hosts files: a name → URL object, the same under hosts, or a list", () => {
    const dir = mkdtempSync(join(tmpdir(), "tb-hosts-"));
    const file = (name: string, data: unknown) => {
      const p = join(dir, name);
      writeFileSync(p, typeof data === "string" ? data : JSON.stringify(data));
      return p;
    };
    const want = [{ name: "a", baseUrl: "http://h1:8888/", token: "t1", kernel: "tracebook" }, { name: "b", baseUrl: "http://h2:8888/", token: "t2", kernel: "tb" }];
    expect(hostsFromFile(file("1.json", { a: "http://h1:8888/?token=t1", b: { url: "http://h2:8888/", token: "t2", kernel: "tb" } }))).toEqual(want);
    expect(hostsFromFile(file("2.json", { hosts: { a: "http://h1:8888/?token=t1", b: { url: "http://h2:8888/?token=t2&kernel=tb" } } }))).toEqual(want);
    expect(hostsFromFile(file("3.json", [{ name: "a", url: "http://h1:8888/?token=t1" }, { name: "b", url: "http://h2:8888/", token: "t2", kernel: "tb" }]))).toEqual(want);
    expect(hostsFromFile(join(dir, "none.json"))).toBe(`cannot read hosts file ${join(dir, "none.json")}: ENOENT`);
    expect(hostsFromFile(file("4.json", "{nope"))).toBe(`cannot read hosts file ${join(dir, "4.json")}: not JSON`);
    expect(hostsFromFile(file("5.json", {}))).toMatch(/: no hosts \(expected/);
    expect(hostsFromFile(file("6.json", { a: { token: "t" } }))).toBe(`hosts file ${join(dir, "6.json")}: a has no url`);
  });

  it("redacts tokens in any form, and any token= query", () => {
    const hosts = [{ token: "s3cr/et" }];
    expect(redact("GET http://h/api?token=s3cr%2Fet&x=1 failed", hosts)).toBe("GET http://h/api?token=…&x=1 failed");
    expect(redact("header Authorization: token s3cr/et", hosts)).toBe("header Authorization: token …");
    expect(redact("echo s3cr/et and s3cr%2Fet", hosts)).toBe("echo … and …");
    expect(redact("ws://h/?TOKEN=other", [])).toBe("ws://h/?TOKEN=…");
  });
});

describe("%%fleet header and settings", () => {
  it("passes --for, --pid and -c on to each host's %%bt, quoted as the header splits", () => {
    const f = parseFleetFlags(`--hosts a,b --for 10s --pid 42 -c "sh -c 'echo hi'"`);
    expect(f).toEqual({ hosts: ["a", "b"], durationMs: 10_000, bt: ["--for", "10000ms", "--pid", "42", "-c", `'sh -c '\\''echo hi'\\'''`] });
    // what the host's %%bt header splits -c into is the command given
    expect(splitWords((f as { bt: string[] }).bt.join(" "))).toEqual(["--for", "10000ms", "--pid", "42", "-c", "sh -c 'echo hi'"]);
    expect(parseFleetFlags("--for=2s --hosts=x")).toEqual({ hosts: ["x"], durationMs: 2000, bt: ["--for", "2000ms"] });
  });

  it("says what is wrong with a header", () => {
    expect(parseFleetFlags("--for soon")).toBe("%%fleet --for needs a duration like 10s or 500ms, got 'soon'");
    expect(parseFleetFlags("--pid me")).toBe("%%fleet --pid: 'me' is not a process id");
    expect(parseFleetFlags("--background")).toBe("%%fleet: unknown flag '--background' (known: --hosts a,b, --for DURATION, --pid PID, -c CMD)");
    expect(parseFleetFlags("--hosts")).toBe("%%fleet --hosts needs names, like --hosts a,b");
    expect(parseFleetFlags("-c")).toBe('%%fleet -c needs a command, like -c "ls -l /tmp"');
  });

  it("sends the notebook's %params and %timeout, no replay, and asks the host what it is", () => {
    expect(settingsPreamble({ positional: ["1", "x"], options: ["depth=5", "v"], durationMs: 1500, pid: 7 })).toBe("%replay off\n%params 1 x -- --depth=5 --v\n%timeout 1500ms\n%host");
    expect(settingsPreamble({ positional: [], options: [], durationMs: undefined, pid: undefined })).toBe("%replay off\n%params\n%timeout off\n%host");
  });
});
