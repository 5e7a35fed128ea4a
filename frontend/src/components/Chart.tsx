/** A thin ECharts wrapper on `echarts/core`: each chart module registers only the series and
 * components it draws, so no page loads the whole library. */
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([CanvasRenderer, GridComponent, TooltipComponent, LegendComponent]);

/** Register extra series or components (call at module level in the chart that needs them). */
export const registerChartParts = echarts.use;

interface Props {
  option: echarts.EChartsCoreOption;
  height?: number;
  testId?: string;
}

export function Chart({ option, height = 280, testId }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!ref.current) return;
    const instance = echarts.init(ref.current, undefined, { renderer: "canvas" });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={ref} data-testid={testId} style={{ width: "100%", height }} />;
}
