/** Streaming chat with an LLM version: system prompt, temperature, max tokens, stop button. */
import { Alert, Button, Card, Col, Input, InputNumber, Row, Slider, Space, Typography } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { streamChat } from "../../api/chatStream";
import { errorText } from "../../api/errorText";
import { useNames } from "../../i18n/names";

interface Turn {
  role: "user" | "assistant";
  content: string;
}

export function ChatPlayground({ modelId }: { modelId: string }) {
  const { t } = useTranslation();
  const name = useNames();
  const [system, setSystem] = useState("");
  const [temperature, setTemperature] = useState(0.7);
  const [maxTokens, setMaxTokens] = useState(256);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState("");
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const controller = useRef<AbortController | null>(null);

  const send = async () => {
    const text = draft.trim();
    if (!text || controller.current) return;
    const history: Turn[] = [...turns, { role: "user", content: text }];
    setTurns([...history, { role: "assistant", content: "" }]);
    setDraft("");
    setStatus(null);
    setError(null);
    const abort = new AbortController();
    controller.current = abort;
    setBusy(true);
    const append = (piece: string) =>
      setTurns((now) => [...now.slice(0, -1), { role: "assistant", content: now[now.length - 1].content + piece }]);
    try {
      const messages = [...(system.trim() ? [{ role: "system" as const, content: system.trim() }] : []), ...history];
      await streamChat(modelId, { messages, temperature, max_tokens: maxTokens }, (event) => {
        if (event.type === "delta") append(event.text);
        else if (event.type === "done") {
          const usage = t("llm.usage", { prompt: event.prompt_tokens, completion: event.completion_tokens });
          setStatus(event.finish_reason === "length" ? `${usage} · ${t("llm.finishLength")}` : usage);
        } else setError(name("errorCodes", event.code, event.message));
      }, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) setStatus(t("llm.stopped"));
      else setError(errorText(err));
    } finally {
      controller.current = null;
      setBusy(false);
    }
  };

  return (
    <Row gutter={16}>
      <Col xs={24} xl={8}>
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text strong>{t("llm.system")}</Typography.Text>
          <Input.TextArea rows={4} value={system} onChange={(e) => setSystem(e.target.value)} placeholder={t("llm.systemPlaceholder")} data-testid="chat-system" />
          <Typography.Text strong>{t("llm.temperature")}</Typography.Text>
          <Slider min={0} max={2} step={0.05} value={temperature} onChange={setTemperature} />
          <Typography.Text strong>{t("llm.maxTokens")}</Typography.Text>
          <InputNumber min={1} max={4096} value={maxTokens} onChange={(v) => setMaxTokens(v ?? 256)} />
          <Button onClick={() => { setTurns([]); setStatus(null); setError(null); }} disabled={busy}>{t("llm.clear")}</Button>
        </Space>
      </Col>
      <Col xs={24} xl={16}>
        <Card size="small" style={{ minHeight: 320, marginBottom: 12 }} data-testid="chat-transcript">
          {turns.map((turn, i) => (
            <div key={i} style={{ marginBottom: 12 }}>
              <Typography.Text type="secondary">{turn.role === "user" ? t("llm.you") : t("llm.assistant")}</Typography.Text>
              <div style={{ whiteSpace: "pre-wrap" }} data-testid={`chat-turn-${turn.role}`}>{turn.content}</div>
            </div>
          ))}
          {status && <Typography.Text type="secondary" data-testid="chat-usage">{status}</Typography.Text>}
        </Card>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
        <Space.Compact style={{ width: "100%" }}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} value={draft} placeholder={t("llm.placeholder")} data-testid="chat-input"
            onChange={(e) => setDraft(e.target.value)}
            onPressEnter={(e) => { if (!e.shiftKey) { e.preventDefault(); void send(); } }} />
          {busy ? (
            <Button danger onClick={() => controller.current?.abort()} data-testid="chat-stop">{t("llm.stop")}</Button>
          ) : (
            <Button type="primary" onClick={() => void send()} data-testid="chat-send">{t("llm.send")}</Button>
          )}
        </Space.Compact>
      </Col>
    </Row>
  );
}
