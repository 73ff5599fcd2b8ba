import { BarChart, CustomChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { CustomSeriesRenderItemAPI } from 'echarts';

// Only the parts drawn here: loading the whole of ECharts costs a second at every start.
echarts.use([BarChart, CustomChart, LineChart, GridComponent, LegendComponent, SVGRenderer]);
import type { CampaignReport } from '../reports/report';

// Charts are drawn on the server by ECharts into SVG: they show without JavaScript, and the
// product needs no CDN. Colours come with markers and labels, never as the only signal.
const PALETTE = [
  '#1d4ed8',
  '#d97706',
  '#047857',
  '#9333ea',
  '#b91c1c',
  '#0e7490',
  '#4d7c0f',
  '#be185d',
];
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect', 'circle'];

function render(option: echarts.EChartsCoreOption, width = 420, height = 260): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    ...option,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;

/** Each variant's lead-to-customer ratio as a bar, with its interval as a whisker. */
export function ratioChart(report: CampaignReport): string {
  const names = report.variants.map((v) => v.name);
  const rates = report.variants.map((v) => v.figures.rate ?? 0);
  const intervals = report.variants.map((v, i) => [
    i,
    v.figures.rateInterval.lower,
    v.figures.rateInterval.upper,
  ]);
  return render({
    grid: { left: 56, right: 16, top: 24, bottom: 40 },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => pct(v) } },
    series: [
      {
        type: 'bar',
        data: rates,
        colorBy: 'data',
        label: {
          show: true,
          position: 'insideBottom',
          formatter: (p: { value: number }) => pct(p.value),
          color: '#fff',
        },
      },
      {
        type: 'custom',
        data: intervals,
        renderItem: (_params: unknown, api: CustomSeriesRenderItemAPI) => {
          const x = api.value(0) as number;
          const low = api.coord([x, api.value(1)]);
          const high = api.coord([x, api.value(2)]);
          const cap = 8;
          const style = { stroke: '#111827', lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
              {
                type: 'line',
                shape: { x1: low[0]! - cap, y1: low[1], x2: low[0]! + cap, y2: low[1] },
                style,
              },
              {
                type: 'line',
                shape: { x1: high[0]! - cap, y1: high[1], x2: high[0]! + cap, y2: high[1] },
                style,
              },
            ],
          };
        },
        z: 10,
      },
    ],
  });
}

/** The ratio of leads sent so far who became customers so far, day by day, per variant. */
export function cumulativeChart(report: CampaignReport): string {
  const days = report.cumulative.map((p) => p.day);
  return render({
    grid: { left: 56, right: 16, top: 40, bottom: 40 },
    legend: { top: 0 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => pct(v) } },
    series: report.variants.map((v, i) => ({
      type: 'line',
      name: v.name,
      symbol: SYMBOLS[i % SYMBOLS.length],
      symbolSize: 7,
      data: report.cumulative.map((p) => p.variants[v.key]?.ratio ?? null),
    })),
  });
}

/** Leads, delivered, opened, clicked and customers per variant (people, not machines). */
export function funnelChart(report: CampaignReport): string {
  const stages = ['Leads', 'Delivered', 'Opened', 'Clicked', 'Customers'];
  return render({
    grid: { left: 64, right: 16, top: 40, bottom: 40 },
    legend: { top: 0 },
    xAxis: { type: 'category', data: stages },
    yAxis: { type: 'value' },
    series: report.variants.map((v, i) => ({
      type: 'bar',
      name: v.name,
      data: [v.leads, v.delivered, v.opened.human, v.clicked.human, v.customers],
      itemStyle: { decal: { symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: 0.6, dashArrayX: 4 } },
    })),
  });
}
