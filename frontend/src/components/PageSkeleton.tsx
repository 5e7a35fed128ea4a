/** Placeholder while a page's data loads. */
import { Card, Skeleton } from "antd";

export function PageSkeleton({ rows = 6 }: { rows?: number }) {
  return (
    <Card>
      <Skeleton active paragraph={{ rows }} />
    </Card>
  );
}
