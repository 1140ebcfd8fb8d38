// OwnedFd and Mapping bookkeeping over ordinary files: no privileges needed.
import { fstatSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OwnedFd, backgroundClosesPending, backgroundClosesSettled, dupFd, openFdCount } from "../../native/fd.ts";
import { Mapping, openMappingCount, pageSize, PROT_READ, PROT_WRITE } from "../../native/mmap.ts";

describe("OwnedFd", () => {
  it("closes exactly once and keeps the count", () => {
    const before = openFdCount();
    const raw = openSync("/dev/null", "r");
    const fd = new OwnedFd(raw, "file");
    expect(openFdCount()).toBe(before + 1);
    expect(fd.fd).toBe(raw);
    expect(String(fd)).toBe(`file(${raw})`);
    fd.close();
    fd.close();
    expect(openFdCount()).toBe(before);
    expect(fd.closed).toBe(true);
    expect(() => fd.fd).toThrow("use of a closed file fd");
    expect(() => fstatSync(raw)).toThrow(/EBADF/);
  });

  it("closes in the background: given up at once, closed on worker threads, settled when all are", async () => {
    const before = openFdCount();
    const fds = Array.from({ length: 5 }, () => new OwnedFd(openSync("/dev/null", "r"), "file"));
    const raws = fds.map((f) => f.fd);
    for (const f of fds) f.closeInBackground();
    for (const f of fds) f.closeInBackground(); // a second time does nothing
    expect(openFdCount()).toBe(before);
    expect(fds.every((f) => f.closed)).toBe(true);
    expect(backgroundClosesPending()).toBeGreaterThan(0);
    await backgroundClosesSettled();
    expect(backgroundClosesPending()).toBe(0);
    for (const raw of raws) expect(() => fstatSync(raw)).toThrow(/EBADF/);
    await backgroundClosesSettled(); // nothing pending: resolves at once
  });

  it("closes at the end of a using block", () => {
    const before = openFdCount();
    let raw = -1;
    {
      using fd = new OwnedFd(openSync("/dev/null", "r"));
      raw = fd.fd;
      expect(openFdCount()).toBe(before + 1);
    }
    expect(openFdCount()).toBe(before);
    expect(() => fstatSync(raw)).toThrow(/EBADF/);
  });

  it("duplicates into an independent owner", () => {
    const before = openFdCount();
    using a = new OwnedFd(openSync("/dev/null", "r"), "file");
    const b = dupFd(a);
    expect(b.fd).not.toBe(a.fd);
    expect(b.kind).toBe("file");
    a.close();
    expect(fstatSync(b.fd).isCharacterDevice()).toBe(true);
    b.close();
    expect(openFdCount()).toBe(before);
  });

  it("refuses invalid numbers", () => {
    expect(() => new OwnedFd(-1)).toThrow(RangeError);
  });
});

describe("Mapping", () => {
  it("maps shared memory without copying and unmaps once", () => {
    const before = openMappingCount();
    using fd = new OwnedFd(openSync("/dev/zero", "r+"));
    const m = Mapping.map(fd, pageSize() * 2, PROT_READ | PROT_WRITE);
    expect(openMappingCount()).toBe(before + 1);
    const a = new Uint8Array(m.buffer);
    const b = new Uint8Array(m.buffer);
    a[100] = 42;
    expect(b[100]).toBe(42);
    expect(a.length).toBe(pageSize() * 2);
    m.unmap();
    m.unmap();
    expect(m.unmapped).toBe(true);
    expect(() => m.buffer).toThrow("use of an unmapped mapping");
    expect(openMappingCount()).toBe(before);
  });

  it("names mmap failures", () => {
    using fd = new OwnedFd(openSync("/dev/null", "r"));
    expect(() => Mapping.map(fd, pageSize(), PROT_READ | PROT_WRITE, 0, "map test")).toThrow(/^map test: mmap: E/);
  });
});
