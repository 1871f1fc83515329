// The distributions the input picker offers, with the API's parameter names and a density for
// the live preview (the same parameterisation as RiskStream's engine).

export interface DistributionChoice {
  name: string;
  label: string;
  params: string[];
  defaults: (value: number) => number[];
  density: (x: number, p: number[]) => number;
  support: (p: number[]) => [number, number];
  check: (p: number[]) => string | null;
}

function lgamma(z: number): number {
  // Lanczos approximation, g = 7
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lgamma(1 - z);
  z -= 1;
  let x = c[0];
  for (let i = 1; i < 9; i++) x += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

function betaDensity(x: number, a: number, b: number, lo: number, hi: number): number {
  if (x <= lo || x >= hi) return 0;
  const u = (x - lo) / (hi - lo);
  const logB = lgamma(a) + lgamma(b) - lgamma(a + b);
  return Math.exp((a - 1) * Math.log(u) + (b - 1) * Math.log(1 - u) - logB) / (hi - lo);
}

const ordered = (p: number[]) =>
  p[0] <= p[1] && p[1] <= p[2] && p[0] < p[2] ? null : "needs min ≤ mode ≤ max and min < max";
const spread = (v: number) => Math.abs(v) * 0.1 || 1;

export const DISTRIBUTIONS: DistributionChoice[] = [
  {
    name: "normal",
    label: "Normal",
    params: ["mean", "sd"],
    defaults: (v) => [v, spread(v)],
    density: (x, [m, s]) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI)),
    support: ([m, s]) => [m - 4 * s, m + 4 * s],
    check: ([, s]) => (s > 0 ? null : "sd must be > 0"),
  },
  {
    name: "triang",
    label: "Triangular",
    params: ["min", "mode", "max"],
    defaults: (v) => [v - spread(v), v, v + 2 * spread(v)],
    density: (x, [a, c, b]) => {
      if (x < a || x > b) return 0;
      return x < c ? (2 * (x - a)) / ((b - a) * (c - a || 1)) : (2 * (b - x)) / ((b - a) * (b - c || 1));
    },
    support: ([a, , b]) => [a, b],
    check: ordered,
  },
  {
    name: "pert",
    label: "PERT",
    params: ["min", "mode", "max"],
    defaults: (v) => [v - spread(v), v, v + 2 * spread(v)],
    density: (x, [a, c, b]) => {
      const a1 = 1 + (4 * (c - a)) / (b - a);
      const a2 = 1 + (4 * (b - c)) / (b - a);
      return betaDensity(x, a1, a2, a, b);
    },
    support: ([a, , b]) => [a, b],
    check: ordered,
  },
  {
    name: "uniform",
    label: "Uniform",
    params: ["min", "max"],
    defaults: (v) => [v - spread(v), v + spread(v)],
    density: (x, [a, b]) => (x >= a && x <= b ? 1 / (b - a) : 0),
    support: ([a, b]) => [a - (b - a) * 0.1, b + (b - a) * 0.1],
    check: ([a, b]) => (a < b ? null : "needs min < max"),
  },
  {
    name: "lognorm",
    label: "Lognormal",
    params: ["mean", "sd"],
    defaults: (v) => [Math.abs(v) || 1, spread(v)],
    density: (x, [m, s]) => {
      if (x <= 0) return 0;
      const sigma2 = Math.log(1 + (s / m) ** 2);
      const mu = Math.log(m) - sigma2 / 2;
      return Math.exp(-((Math.log(x) - mu) ** 2) / (2 * sigma2)) / (x * Math.sqrt(2 * Math.PI * sigma2));
    },
    support: ([m, s]) => [0, m + 5 * s],
    check: ([m, s]) => (m > 0 && s > 0 ? null : "mean and sd must be > 0"),
  },
  {
    name: "expon",
    label: "Exponential",
    params: ["beta"],
    defaults: (v) => [Math.abs(v) || 1],
    density: (x, [b]) => (x < 0 ? 0 : Math.exp(-x / b) / b),
    support: ([b]) => [0, 6 * b],
    check: ([b]) => (b > 0 ? null : "beta must be > 0"),
  },
];

export function choice(name: string): DistributionChoice {
  return DISTRIBUTIONS.find((d) => d.name === name) ?? DISTRIBUTIONS[0];
}

/** Points of the density over its support, for the preview chart. */
export function densityPoints(dist: DistributionChoice, params: number[], n = 120): [number, number][] {
  const [lo, hi] = dist.support(params);
  const points: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const x = lo + ((hi - lo) * i) / n;
    points.push([x, dist.density(x, params)]);
  }
  return points;
}
