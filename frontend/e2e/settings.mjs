// Shared by the test's backend launcher and the test itself.
export const ADMIN_PASSWORD = "Console-E2e-Passw0rd!";
export const NEW_ADMIN_PASSWORD = "Harbor-Lantern-2046!";
// Uploads above this are converted in the background: the small CSVs stay inline, the large ones don't.
export const INLINE_MAX_BYTES = 16 * 1024;
// The LLM base model the backend builds under MODEL_STORAGE_PATH/base/ before it starts.
export const TINY_BASE_MODEL = "tiny-chat";
// The local OpenAI-compatible teacher the backend launcher starts beside the server (the only
// stand-in for an outside provider), on the port after the server's.
export const teacherPort = (serverPort) => Number(serverPort) + 1;
