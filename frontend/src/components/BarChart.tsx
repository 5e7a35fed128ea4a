/** Bar charts (histograms, top values, feature importance). */
import { BarChart as Bars } from "echarts/charts";
import { Chart, registerChartParts } from "./Chart";

registerChartParts([Bars]);

export { Chart as BarChart };
