// Apache ECharts, tree-shaken to what the workbench draws, rendered as SVG so that a chart can
// be exported as SVG or PNG and its shapes can be read in the page.
import * as echarts from "echarts/core";
import { BarChart, CustomChart, LineChart, ScatterChart } from "echarts/charts";
import {
  AriaComponent,
  GraphicComponent,
  LegendComponent,
  GridComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import type { EChartsType } from "echarts/core";
import { formatNumber } from "./dom";

echarts.use([
  BarChart, CustomChart, LineChart, ScatterChart, AriaComponent, GraphicComponent, GridComponent, LegendComponent, TitleComponent,
  ToolboxComponent, TooltipComponent, SVGRenderer,
]);

declare global {
  interface Window {
    /** The charts on the page by name, so that a test (or a console) can read what they draw. */
    riskstreamCharts: Record<string, EChartsType>;
    /** A chart of the page as a PNG data URL, as its "Save as PNG" button saves it. */
    riskstreamPng: (name: string) => Promise<string>;
  }
}
window.riskstreamCharts = {};
window.riskstreamPng = (name) => pngOf(window.riskstreamCharts[name]);

const PALETTE = { bar: "#2b5d9b", line: "#0b6e4f", delimiter: "#b3261e", text: "#1b1b1b" };
const GRID = { top: 36, bottom: 44, left: 72, right: 24 };
const resizers = new Map<string, ResizeObserver>();
const placers = new WeakMap<HTMLElement, ResizeObserver>();

/** A chart in ``el``, registered under ``name``; a chart of the same name is replaced. */
export function chartIn(el: HTMLElement, name: string, label: string): EChartsType {
  window.riskstreamCharts[name]?.dispose();
  resizers.get(name)?.disconnect();
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", label);
  el.dataset.chart = name;
  const chart = echarts.init(el, undefined, { renderer: "svg" });
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(el);
  resizers.set(name, observer);
  window.riskstreamCharts[name] = chart;
  return chart;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 });
const axisLabel = { color: PALETTE.text, hideOverlap: true, formatter: (v: number) => compact.format(v) };

/** The chart as a PNG data URL: its SVG drawn on a canvas at twice its size, on white. */
export function pngOf(chart: EChartsType, scale = 2): Promise<string> {
  const svg = chart.getDataURL({ type: "svg", excludeComponents: ["toolbox"] });
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = chart.getWidth() * scale;
      canvas.height = chart.getHeight() * scale;
      const context = canvas.getContext("2d");
      if (!context) return reject(new Error("This browser cannot draw a PNG."));
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      resolve(canvas.toDataURL("image/png"));
    };
    image.onerror = () => reject(new Error("The chart could not be drawn as a PNG."));
    image.src = svg;
  });
}

// Export as SVG (ECharts' own) or as PNG (the SVG drawn on a canvas).
const PICTURE_ICON = "path://M2,3H22V21H2Z M5,18L10,11L14,15L16,13L19,18Z";
const toolbox = (chart: EChartsType) => ({
  right: 8,
  feature: {
    saveAsImage: { title: "Save as SVG", type: "svg" as const },
    myPng: { show: true, title: "Save as PNG", icon: PICTURE_ICON, onclick: async () => {
      const link = document.createElement("a");
      link.href = await pngOf(chart);
      link.download = `${chart.getDom().dataset.chart ?? "chart"}.png`;
      link.click();
    } },
  },
});

export function densityPreview(chart: EChartsType, points: [number, number][]): void {
  chart.setOption({
    animation: false,
    grid: { top: 12, bottom: 28, left: 56, right: 12 },
    xAxis: { type: "value", scale: true, axisLabel },
    yAxis: { type: "value", axisLabel: { show: false }, splitLine: { show: false } },
    series: [{ type: "line", data: points, showSymbol: false, areaStyle: { opacity: 0.25 },
               lineStyle: { color: PALETTE.line }, itemStyle: { color: PALETTE.line } }],
  }, true);
}

/** Linear interpolation of P(X ≤ x) from the result's CDF points. */
export function probabilityBelow(cdf: { p: number[]; x: number[] }, x: number): number {
  const xs = cdf.x, ps = cdf.p;
  if (x < xs[0]) return 0;
  if (x >= xs[xs.length - 1]) return 1;
  let i = 1;
  while (xs[i] < x) i++;
  const span = xs[i] - xs[i - 1];
  return span > 0 ? ps[i - 1] + ((ps[i] - ps[i - 1]) * (x - xs[i - 1])) / span : ps[i];
}

export interface Delimiters {
  left: number;
  right: number;
}

export interface Bins {
  edges: number[];
  counts: number[];
}

type RenderApi = { value: (i: number) => number; coord: (p: number[]) => number[] };

/** Bars of ``bins`` as a custom series; ``scale`` turns counts into this chart's trials. */
function binSeries(name: string, bins: Bins, scale: number, style: object) {
  const total = bins.counts.reduce((a, b) => a + b, 0) || 1;
  return {
    type: "custom",
    name,
    data: bins.counts.map((count, i) => [bins.edges[i], bins.edges[i + 1], count * scale, count / total]),
    encode: { x: [0, 1], y: 2 },
    renderItem: (_params: unknown, api: RenderApi) => {
      const [x0, y0] = api.coord([api.value(0), api.value(2)]);
      const [x1, y1] = api.coord([api.value(1), 0]);
      return { type: "rect", shape: { x: x0, y: y0, width: Math.max(1, x1 - x0 - 1), height: y1 - y0 }, style };
    },
  };
}

/**
 * A histogram (bars from the result's bin edges) with two delimiters dragged along the x axis;
 * ``onMove`` hears their values as they move. ``overlay``, another run's bins, is outlined
 * over it, its counts scaled to this run's number of trials.
 */
export function histogram(
  chart: EChartsType,
  hist: Bins,
  delimiters: Delimiters,
  onMove: (d: Delimiters) => void,
  overlay?: { name: string; bins: Bins },
): (d: Delimiters) => void {
  const total = hist.counts.reduce((a, b) => a + b, 0) || 1;
  const edges = [...hist.edges, ...(overlay?.bins.edges ?? [])];
  const series = [binSeries(overlay ? "this run" : "histogram", hist, 1, { fill: PALETTE.bar })];
  if (overlay) {
    const theirs = overlay.bins.counts.reduce((a, b) => a + b, 0) || 1;
    series.push(binSeries(overlay.name, overlay.bins, total / theirs,
      { fill: "rgba(0,0,0,0)", stroke: PALETTE.delimiter, lineWidth: 1.5 }));
  }
  chart.setOption({
    animation: false,
    grid: GRID,
    legend: overlay ? { top: 0, left: "center", textStyle: { color: PALETTE.text } } : undefined,
    tooltip: { trigger: "item", formatter: (p: { seriesName: string; value: number[] }) =>
      `${p.seriesName}: ${formatNumber(p.value[0])} to ${formatNumber(p.value[1])}: ${formatNumber(p.value[3] * 100, 3)} % of trials` },
    toolbox: toolbox(chart),
    xAxis: { type: "value", scale: true, min: Math.min(...edges), max: Math.max(...edges), axisLabel },
    yAxis: { type: "value", name: "trials", axisLabel },
    series,
  }, true);

  let current = { ...delimiters };
  const pixel = (value: number) => chart.convertToPixel({ gridIndex: 0 }, [value, 0])[0];
  const place = () => {
    const height = chart.getHeight();
    const line = (id: "left" | "right") => ({
      type: "group",
      id,
      x: pixel(current[id]),
      y: 0,
      z: 100,
      children: [
        { type: "rect", cursor: "ew-resize", shape: { x: -6, y: GRID.top, width: 12, height: height - GRID.top - GRID.bottom },
          style: { fill: "rgba(0,0,0,0)" } },
        { type: "line", cursor: "ew-resize", shape: { x1: 0, y1: GRID.top, x2: 0, y2: height - GRID.bottom },
          style: { stroke: PALETTE.delimiter, lineWidth: 2 } },
        { type: "text", x: 4, y: GRID.top - 14,
          style: { text: formatNumber(current[id], 4), fill: PALETTE.delimiter, font: "12px sans-serif" } },
      ],
    });
    chart.setOption({ graphic: [line("left"), line("right")] }, { replaceMerge: ["graphic"] });
  };

  // a press within a few pixels of a delimiter picks it up; it follows the pointer until let go
  const zr = chart.getZr();
  let dragging: "left" | "right" | null = null;
  zr.on("mousedown", (e: { offsetX: number }) => {
    const distance = (id: "left" | "right") => Math.abs(pixel(current[id]) - e.offsetX);
    const nearest = distance("left") <= distance("right") ? "left" : "right";
    dragging = distance(nearest) <= 8 ? nearest : null;
  });
  zr.on("mousemove", (e: { offsetX: number }) => {
    if (!dragging) return;
    const [lo, hi] = [hist.edges[0], hist.edges[hist.edges.length - 1]];
    const value = Math.min(hi, Math.max(lo, chart.convertFromPixel({ gridIndex: 0 }, [e.offsetX, 0])[0]));
    current = { ...current, [dragging]: value };
    if (current.left > current.right) {
      current = { left: current.right, right: current.left };
      dragging = dragging === "left" ? "right" : "left";
    }
    place();
    onMove(current);
  });
  zr.on("mouseup", () => { dragging = null; });
  zr.on("globalout", () => { dragging = null; });
  place();
  placers.get(chart.getDom())?.disconnect();
  const observer = new ResizeObserver(() => place());
  observer.observe(chart.getDom());
  placers.set(chart.getDom(), observer);
  return (d: Delimiters) => {
    current = { ...d };
    place();
  };
}

export interface CdfLine {
  name: string;
  cdf: { p: number[]; x: number[] };
}

/** Cumulative distributions on one plot: this run's, and others' to compare with it. */
export function cdfChart(chart: EChartsType, lines: CdfLine[]): void {
  const xs = lines.flatMap((l) => [l.cdf.x[0], l.cdf.x[l.cdf.x.length - 1]]);
  const colours = [PALETTE.line, PALETTE.delimiter, PALETTE.bar];
  chart.setOption({
    animation: false,
    grid: GRID,
    toolbox: toolbox(chart),
    tooltip: { trigger: "axis" },
    legend: lines.length > 1 ? { top: 0, left: "center", textStyle: { color: PALETTE.text } } : undefined,
    xAxis: { type: "value", min: Math.min(...xs), max: Math.max(...xs), axisLabel },
    yAxis: { type: "value", min: 0, max: 1, name: "P(X ≤ x)", axisLabel: { color: PALETTE.text } },
    series: lines.map((l, k) => ({
      type: "line", name: l.name, data: l.cdf.x.map((x, i) => [x, l.cdf.p[i]]), showSymbol: false,
      lineStyle: { color: colours[k % colours.length], width: 2, type: k ? "dashed" : "solid" },
      itemStyle: { color: colours[k % colours.length] } })),
  }, true);
}

export function tornado(chart: EChartsType, rows: { input: string; value: number }[], measure: string): void {
  const ordered = [...rows].sort((a, b) => Math.abs(a.value) - Math.abs(b.value));
  chart.setOption({
    animation: false,
    grid: { ...GRID, left: 110 },
    toolbox: toolbox(chart),
    tooltip: { trigger: "item" },
    xAxis: { type: "value", name: measure, axisLabel: { color: PALETTE.text } },
    yAxis: { type: "category", data: ordered.map((r) => r.input), axisLabel: { color: PALETTE.text } },
    series: [{ type: "bar", name: measure, data: ordered.map((r) => r.value),
               itemStyle: { color: PALETTE.bar },
               label: { show: true, position: "right", color: PALETTE.text,
                        formatter: (p: { value: number }) => p.value.toFixed(3) } }],
  }, true);
}

/** Trials as points: one input's draw against the output's value. */
export function scatter(chart: EChartsType, points: [number, number][], input: string, output: string): void {
  chart.setOption({
    animation: false,
    grid: { ...GRID, top: 44 },
    toolbox: toolbox(chart),
    tooltip: { trigger: "item", formatter: (p: { value: number[] }) =>
      `${input} = ${formatNumber(p.value[0])}, ${output} = ${formatNumber(p.value[1])}` },
    xAxis: { type: "value", scale: true, name: input, nameLocation: "middle", nameGap: 28, axisLabel },
    yAxis: { type: "value", scale: true, name: output, axisLabel },
    series: [{ type: "scatter", name: "trials", data: points, symbolSize: 3, large: false,
               itemStyle: { color: PALETTE.bar, opacity: 0.55 } }],
  }, true);
}

export interface ConvergenceLine {
  name: string;
  points: [number, number][];
}

/** Running statistics against the number of trials, each line on its own scale. */
export function convergence(chart: EChartsType, lines: ConvergenceLine[]): void {
  const colours = [PALETTE.line, PALETTE.delimiter];
  chart.setOption({
    animation: false,
    grid: { ...GRID, right: 72, top: 44 },
    toolbox: toolbox(chart),
    tooltip: { trigger: "axis" },
    legend: { top: 0, left: "center", textStyle: { color: PALETTE.text } },
    xAxis: { type: "value", name: "trials", nameLocation: "middle", nameGap: 28, axisLabel },
    yAxis: lines.map((_l, k) => ({ type: "value", scale: true, position: k ? "right" : "left",
                                   splitLine: { show: !k }, axisLabel })),
    series: lines.map((l, k) => ({
      type: "line", name: l.name, yAxisIndex: k, data: l.points, showSymbol: false,
      lineStyle: { color: colours[k % colours.length], width: 2, type: k ? "dashed" : "solid" },
      itemStyle: { color: colours[k % colours.length] } })),
  }, true);
}
