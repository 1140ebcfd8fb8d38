// featureReason: a refused feature is a skip, except under TRACEBOOK_REQUIRE_BPF=1 on a
// kernel new enough to have it, or with an errno that blames our own encoding (EINVAL).
import { describe, expect, it } from "vitest";
import { featureReason, kernelAtLeast } from "../helpers/privilege.ts";

const no = (errno: string) => ({ ok: false as const, errno, message: "x" });

describe("featureReason", () => {
  it("compares releases by major.minor", () => {
    expect(kernelAtLeast("6.18.0-1-amd64", "5.8")).toBe(true);
    expect(kernelAtLeast("5.8.0", "5.8")).toBe(true);
    expect(kernelAtLeast("5.7.19", "5.8")).toBe(false);
    expect(kernelAtLeast("4.19.0", "5.8")).toBe(false);
    expect(kernelAtLeast("5.10.0", "5.8")).toBe(true);
  });

  it("a present feature is no skip", () => {
    expect(featureReason("iter", { ok: true }, "5.8", "4.19.0", true)).toBeNull();
  });

  it("a refusal is a skip reason with the errno when not required", () => {
    expect(featureReason("iter", no("EINVAL"), "5.8", "6.18.0", false)).toBe("this kernel refuses iter (EINVAL: x)");
  });

  it("under require, a kernel at least minKernel fails whatever the errno", () => {
    expect(() => featureReason("iter", no("EOPNOTSUPP"), "5.8", "6.18.0", true)).toThrow(/>= 5\.8/);
    expect(featureReason("iter", no("EOPNOTSUPP"), "5.8", "5.4.0", true)).toMatch(/EOPNOTSUPP/);
  });

  it("under require, EINVAL is ours, EOPNOTSUPP/ENOENT/ENODEV are the kernel's", () => {
    expect(() => featureReason("bp", no("EINVAL"), undefined, "6.18.0", true)).toThrow(/EINVAL is no refusal/);
    for (const e of ["EOPNOTSUPP", "ENOENT", "ENODEV"]) expect(featureReason("bp", no(e), undefined, "6.18.0", true)).toMatch(e);
  });
});
