/** Administration of teacher LLM providers: list, create/edit with limits (or unlimited), prices added,
 * corrected and deleted, delete, test connection. */
import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag,
  Typography,
} from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { codeText, errorText } from "../api/errorText";
import type { components } from "../api/schema";
import { QueryError } from "../components/QueryError";
import { applyFieldErrors } from "../lib/forms";
import {
  BASE_URL_PRESETS, CURRENCIES, PROVIDER_KINDS, formatMoney, priceBody, priceValues, providerCreateBody, providerUpdateBody,
  providerValues, type Price, type PriceValues, type Provider, type ProviderKind, type ProviderValues,
} from "../lib/teachers";

type ConnectionTest = components["schemas"]["ConnectionTest"];

function KeyState({ provider }: { provider: Provider }) {
  const { t } = useTranslation();
  if (!provider.has_key) return <Tag>{t("teachers.apiKeyNotSet")}</Tag>;
  return (
    <Tag color="green">
      {provider.key_source === "stored"
        ? t("teachers.apiKeySet", { last4: provider.key_last4 ?? "" })
        : t("teachers.apiKeyFromSettings")}
    </Tag>
  );
}

/** Refresh what shows providers and prices after a change. */
function useProvidersChanged() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["llm-providers"] });
    void queryClient.invalidateQueries({ queryKey: ["teachers"] });
  };
}

/** The price fields, shared by new prices (in a list) and the correction of one. */
function PriceFields({ models, name = [] }: { models: string[]; name?: (string | number)[] }) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item name={[...name, "model"]} label={t("teachers.priceModel")} rules={[{ required: true }]}>
        <Select style={{ width: 160 }} options={models.map((m) => ({ value: m, label: m }))} data-testid="price-model" />
      </Form.Item>
      <Form.Item name={[...name, "input_per_m"]} label={t("teachers.inputPrice")} rules={[{ required: true }]}>
        <InputNumber<string> stringMode min="0" style={{ width: 110 }} data-testid="price-input" />
      </Form.Item>
      <Form.Item name={[...name, "cached_input_per_m"]} label={t("teachers.cachedPrice")} tooltip={t("teachers.cachedPriceHint")}>
        <InputNumber<string> stringMode min="0" style={{ width: 110 }} data-testid="price-cached" />
      </Form.Item>
      <Form.Item name={[...name, "output_per_m"]} label={t("teachers.outputPrice")} rules={[{ required: true }]}>
        <InputNumber<string> stringMode min="0" style={{ width: 110 }} data-testid="price-output" />
      </Form.Item>
      <Form.Item name={[...name, "currency"]} label={t("teachers.currency")} rules={[{ required: true }]}>
        <Select style={{ width: 90 }} options={CURRENCIES.map((c) => ({ value: c, label: t(`currencies.${c}`) }))} />
      </Form.Item>
      <Form.Item name={[...name, "effective_from"]} label={t("teachers.effectiveFrom")} rules={[{ required: true }]}>
        <DatePicker />
      </Form.Item>
    </>
  );
}

/** Correct one stored price; calls already made keep the cost recorded with them. */
function PriceEditor({ provider, price, onDone }: { provider: Provider; price: Price; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const changed = useProvidersChanged();
  const [form] = Form.useForm<PriceValues>();
  const save = useMutation({
    mutationFn: (values: PriceValues) =>
      unwrap(
        api.PATCH("/api/v1/llm-providers/{provider_id}/prices/{price_id}", {
          params: { path: { provider_id: provider.id, price_id: price.id } },
          body: priceBody(values),
        }),
      ),
    onSuccess: () => {
      void message.success(t("teachers.saved"));
      changed();
      onDone();
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });
  return (
    <Modal
      open
      width={820}
      title={`${t("teachers.editPrice")} · ${provider.name} / ${price.model}`}
      onCancel={onDone}
      onOk={() => form.submit()}
      okButtonProps={{ "data-testid": "save-price" } as never}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t("teachers.editPriceHint")}</Typography.Paragraph>
      <Form<PriceValues> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} initialValues={priceValues(price)}>
        <Space wrap align="start">
          <PriceFields models={provider.models} />
        </Space>
      </Form>
    </Modal>
  );
}

function PriceTable({ provider }: { provider: Provider }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const changed = useProvidersChanged();
  const [editing, setEditing] = useState<Price | null>(null);
  const remove = useMutation({
    mutationFn: (price: Price) =>
      unwrap(
        api.DELETE("/api/v1/llm-providers/{provider_id}/prices/{price_id}", {
          params: { path: { provider_id: provider.id, price_id: price.id } },
        }),
      ),
    onSuccess: () => {
      void message.success(t("teachers.priceDeleted"));
      changed();
    },
    onError: (err) => void message.error(errorText(err)),
  });
  if (provider.prices.length === 0) return <Typography.Text type="secondary">{t("teachers.noPrices")}</Typography.Text>;
  return (
    <>
      <Table<Price>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={provider.prices}
        data-testid="price-table"
        columns={[
          { title: t("teachers.priceModel"), dataIndex: "model" },
          { title: t("teachers.inputPrice"), render: (_, p) => formatMoney(p.input_per_m, p.currency, i18n.language) },
          { title: t("teachers.cachedPrice"), render: (_, p) => formatMoney(p.cached_input_per_m, p.currency, i18n.language) },
          { title: t("teachers.outputPrice"), render: (_, p) => formatMoney(p.output_per_m, p.currency, i18n.language) },
          { title: t("teachers.effectiveFrom"), dataIndex: "effective_from" },
          {
            title: t("common.actions"),
            render: (_, p) => (
              <Space>
                <Button
                  size="small"
                  icon={<EditOutlined />}
                  aria-label={`${t("teachers.editPrice")} ${p.model} ${p.effective_from}`}
                  onClick={() => setEditing(p)}
                />
                <Popconfirm
                  title={t("teachers.deletePriceConfirm", { model: p.model, date: p.effective_from })}
                  onConfirm={() => remove.mutate(p)}
                >
                  <Button
                    size="small"
                    danger
                    icon={<DeleteOutlined />}
                    loading={remove.isPending && remove.variables?.id === p.id}
                    aria-label={`${t("teachers.deletePrice")} ${p.model} ${p.effective_from}`}
                  />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {editing && <PriceEditor provider={provider} price={editing} onDone={() => setEditing(null)} />}
    </>
  );
}

/** A pacing limit: a number, or unlimited (null). */
function LimitInput({
  value, onChange, max, testId,
}: { value?: number | null; onChange?: (value: number | null | undefined) => void; max: number; testId: string }) {
  const { t } = useTranslation();
  const unlimited = value === null;
  return (
    <Space>
      <InputNumber<number>
        min={1}
        max={max}
        precision={0}
        disabled={unlimited}
        value={value ?? null}
        placeholder={unlimited ? t("teachers.unlimited") : undefined}
        onChange={(v) => onChange?.(v ?? undefined)}
        style={{ width: 150 }}
        data-testid={testId}
      />
      <Checkbox checked={unlimited} onChange={(e) => onChange?.(e.target.checked ? null : undefined)} data-testid={`${testId}-unlimited`}>
        {t("teachers.unlimited")}
      </Checkbox>
    </Space>
  );
}

function TestResult({ result }: { result: ConnectionTest }) {
  const { t } = useTranslation();
  return (
    <Alert
      data-testid="test-result"
      showIcon
      type={result.ok ? "success" : "error"}
      message={result.ok ? t("teachers.testOk", { ms: result.latency_ms }) : t("teachers.testFailed")}
      description={
        <>
          <div>{result.ok ? result.message : codeText(result.error_code, result.message)}</div>
          {result.models.length > 0 && <div>{t("teachers.testModels", { models: result.models.join(", ") })}</div>}
        </>
      }
    />
  );
}

function PricesFields({ models }: { models: string[] }) {
  const { t } = useTranslation();
  return (
    <Form.List name="prices">
      {(fields, { add, remove }) => (
        <>
          {fields.map((field) => (
            <Space key={field.key} align="start" wrap>
              <PriceFields models={models} name={[field.name]} />
              <Button icon={<DeleteOutlined />} aria-label={t("common.delete")} style={{ marginTop: 30 }} onClick={() => remove(field.name)} />
            </Space>
          ))}
          <Button icon={<PlusOutlined />} onClick={() => add({ currency: "CNY", effective_from: dayjs() })} data-testid="add-price">
            {t("teachers.addPrice")}
          </Button>
        </>
      )}
    </Form.List>
  );
}

function ProviderForm({ editing, onDone }: { editing: Provider | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const changed = useProvidersChanged();
  const [form] = Form.useForm<ProviderValues>();
  const models = Form.useWatch("models", form) ?? [];
  const save = useMutation({
    mutationFn: async (values: ProviderValues) => {
      if (!editing) return unwrap(api.POST("/api/v1/llm-providers", { body: providerCreateBody(values) }));
      const path = { provider_id: editing.id };
      await unwrap(api.PATCH("/api/v1/llm-providers/{provider_id}", { params: { path }, body: providerUpdateBody(values) }));
      for (const price of values.prices ?? []) {
        await unwrap(api.POST("/api/v1/llm-providers/{provider_id}/prices", { params: { path }, body: priceBody(price) }));
      }
      return null;
    },
    onSuccess: () => {
      void message.success(t("teachers.saved"));
      changed();
      onDone();
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });
  const limitRules = [
    {
      validator: (_: unknown, value?: number | null) =>
        value === undefined ? Promise.reject(new Error(t("teachers.limitRequired"))) : Promise.resolve(),
    },
  ];
  return (
    <Modal
      open
      width={920}
      title={editing ? `${t("teachers.edit")} · ${editing.name}` : t("teachers.create")}
      onCancel={onDone}
      onOk={() => form.submit()}
      okButtonProps={{ "data-testid": "save-provider" } as never}
      confirmLoading={save.isPending}
      destroyOnHidden
    >
      <Form<ProviderValues>
        form={form}
        layout="vertical"
        onFinish={(v) => save.mutate(v)}
        initialValues={
          editing
            ? providerValues(editing)
            : { kind: "qwen", base_url: BASE_URL_PRESETS.qwen, rpm_limit: null, tpm_limit: null, concurrency: 4, models: [], prices: [] }
        }
      >
        <Space wrap align="start">
          <Form.Item name="name" label={t("teachers.name")} rules={[{ required: true }]}>
            <Input style={{ width: 220 }} data-testid="provider-name" />
          </Form.Item>
          <Form.Item name="kind" label={t("teachers.kind")} rules={[{ required: true }]}>
            <Select<ProviderKind>
              style={{ width: 180 }}
              disabled={!!editing}
              data-testid="provider-kind"
              options={PROVIDER_KINDS.map((k) => ({ value: k, label: t(`teachers.kinds.${k}`) }))}
              onChange={(kind) => form.setFieldValue("base_url", BASE_URL_PRESETS[kind])}
            />
          </Form.Item>
        </Space>
        <Form.Item name="base_url" label={t("teachers.baseUrl")} extra={t("teachers.baseUrlHint")}>
          <Input data-testid="provider-base-url" />
        </Form.Item>
        <Form.Item name="models" label={t("teachers.models")} extra={t("teachers.modelsHint")} rules={[{ required: true }]}>
          <Select mode="tags" open={false} data-testid="provider-models" />
        </Form.Item>
        <Form.Item
          name="api_key"
          label={<Space>{t("teachers.apiKey")}{editing && <KeyState provider={editing} />}</Space>}
          extra={editing ? t("teachers.apiKeyNew") : t("teachers.apiKeyCreateHint")}
        >
          <Input.Password autoComplete="new-password" visibilityToggle={false} data-testid="provider-key" />
        </Form.Item>
        {editing?.key_source === "stored" && (
          <Form.Item name="clear_api_key" valuePropName="checked">
            <Checkbox>{t("teachers.clearKey")}</Checkbox>
          </Form.Item>
        )}
        <Space wrap align="start">
          <Form.Item name="rpm_limit" label={t("teachers.rpm")} rules={limitRules}>
            <LimitInput max={1_000_000} testId="provider-rpm" />
          </Form.Item>
          <Form.Item name="tpm_limit" label={t("teachers.tpm")} rules={limitRules}>
            <LimitInput max={1_000_000_000} testId="provider-tpm" />
          </Form.Item>
          <Form.Item name="concurrency" label={t("teachers.concurrency")} rules={limitRules}>
            <LimitInput max={256} testId="provider-concurrency" />
          </Form.Item>
        </Space>
        {editing && (
          <Form.Item label={t("teachers.prices")}>
            <PriceTable provider={editing} />
          </Form.Item>
        )}
        <Form.Item label={editing ? t("teachers.newPrices") : t("teachers.prices")}>
          <PricesFields models={models} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function TeacherProvidersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const changed = useProvidersChanged();
  const [editing, setEditing] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, ConnectionTest>>({});
  const providers = useQuery({
    queryKey: ["llm-providers"],
    queryFn: () => unwrap(api.GET("/api/v1/llm-providers")),
  });
  // the provider is read from the list, so the dialog shows its prices as they change
  const editingProvider = providers.data?.find((p) => p.id === editing);
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/llm-providers/{provider_id}", { params: { path: { provider_id: id } } })),
    onSuccess: changed,
    onError: (err) => void message.error(errorText(err)),
  });
  const test = useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/llm-providers/{provider_id}/test", { params: { path: { provider_id: id } } })),
    onSuccess: (result, id) => setTests((all) => ({ ...all, [id]: result })),
    onError: (err) => void message.error(errorText(err)),
  });

  return (
    <Card
      title={t("teachers.title")}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="create-provider">
          {t("teachers.create")}
        </Button>
      }
    >
      {providers.error && <QueryError error={providers.error} onRetry={() => void providers.refetch()} />}
      <Table<Provider>
        rowKey="id"
        loading={providers.isLoading}
        dataSource={providers.data}
        pagination={false}
        locale={{ emptyText: t("teachers.empty") }}
        expandable={{
          expandedRowRender: (p) => <PriceTable provider={p} />,
        }}
        columns={[
          { title: t("teachers.name"), dataIndex: "name" },
          { title: t("teachers.kind"), dataIndex: "kind", render: (k: ProviderKind) => t(`teachers.kinds.${k}`) },
          { title: t("teachers.baseUrl"), dataIndex: "base_url", render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: t("teachers.models"), dataIndex: "models", render: (ms: string[]) => ms.map((m) => <Tag key={m}>{m}</Tag>) },
          { title: t("teachers.apiKey"), render: (_, p) => <KeyState provider={p} /> },
          {
            title: t("teachers.limits"),
            render: (_, p) =>
              `${t("teachers.rpm")} ${p.rpm_limit ?? t("teachers.unlimited")} · ${t("teachers.tpm")} ${p.tpm_limit ?? t("teachers.unlimited")} · ${t("teachers.concurrency")} ${p.concurrency ?? t("teachers.unlimited")}`,
          },
          {
            title: t("common.actions"),
            render: (_, p) => (
              <Space direction="vertical">
                <Space>
                  <Button size="small" onClick={() => setEditing(p.id)}>{t("common.edit")}</Button>
                  <Button
                    size="small"
                    data-testid="test-provider"
                    loading={test.isPending && test.variables === p.id}
                    onClick={() => test.mutate(p.id)}
                  >
                    {test.isPending && test.variables === p.id ? t("teachers.testing") : t("teachers.test")}
                  </Button>
                  <Popconfirm title={t("teachers.deleteConfirm", { name: p.name })} onConfirm={() => remove.mutate(p.id)}>
                    <Button size="small" danger>{t("common.delete")}</Button>
                  </Popconfirm>
                </Space>
                {tests[p.id] && <TestResult result={tests[p.id]} />}
              </Space>
            ),
          },
        ]}
      />
      {(editing === "new" || editingProvider) && (
        <ProviderForm key={editing} editing={editingProvider ?? null} onDone={() => setEditing(null)} />
      )}
    </Card>
  );
}
