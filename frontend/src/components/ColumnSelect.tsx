/** A searchable, wide column picker: column names with their type in the UI's language. */
import { Select, type SelectProps } from "antd";
import { useTranslation } from "react-i18next";
import type { Dataset } from "../api/domain";
import { useNames } from "../i18n/names";

type Props = Omit<SelectProps, "options" | "showSearch"> & { dataset?: Dataset };

export function ColumnSelect({ dataset, ...props }: Props) {
  const { t } = useTranslation();
  const name = useNames();
  const options = (dataset?.columns ?? []).map((c) => ({ value: c.name, label: `${c.name} · ${name("dtypes", c.dtype)}` }));
  return (
    <Select
      showSearch={{ optionFilterProp: "label" }}
      placeholder={t("jobs.columnsSearch")}
      popupMatchSelectWidth={false}
      listHeight={360}
      style={{ minWidth: 320 }}
      options={options}
      {...props}
    />
  );
}
