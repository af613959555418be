// Type declarations for zavera.js, the Zavera agent client.

export declare const VERSION: string;
export declare const PROTOCOL_VERSION: 1;
export declare const DEFAULT_PORT: 27413;
/** How many ports, from `port`, connect tries. */
export declare const PORT_RANGE: 8;
/** Close code of an agent that serves another user of this computer. */
export declare const CLOSE_PEER_REFUSED: 4403;

export type AgentReason =
  | 'bad_request' | 'cancelled' | 'origin_not_allowed' | 'pin_incorrect' | 'pin_locked'
  | 'token_not_found' | 'certificate_not_found' | 'too_large' | 'busy' | 'internal' | 'unavailable' | 'token_driver_failed';

export type ConnectionReason =
  | 'agent_not_running' | 'local_network_access_denied' | 'local_network_access_prompt' | 'connection_refused'
  | 'agent_outdated' | 'not_zavera' | 'other_user_agent' | 'connection_lost' | 'timeout';

export type ErrorReason = AgentReason | ConnectionReason;

export declare const Reason: Readonly<{
  BAD_REQUEST: 'bad_request'; CANCELLED: 'cancelled'; ORIGIN_NOT_ALLOWED: 'origin_not_allowed';
  PIN_INCORRECT: 'pin_incorrect'; PIN_LOCKED: 'pin_locked'; TOKEN_NOT_FOUND: 'token_not_found';
  CERTIFICATE_NOT_FOUND: 'certificate_not_found'; TOO_LARGE: 'too_large'; BUSY: 'busy'; INTERNAL: 'internal';
  UNAVAILABLE: 'unavailable';
  TOKEN_DRIVER_FAILED: 'token_driver_failed';
  AGENT_NOT_RUNNING: 'agent_not_running'; LOCAL_NETWORK_ACCESS_DENIED: 'local_network_access_denied';
  LOCAL_NETWORK_ACCESS_PROMPT: 'local_network_access_prompt';
  CONNECTION_REFUSED: 'connection_refused'; AGENT_OUTDATED: 'agent_outdated'; NOT_ZAVERA: 'not_zavera';
  OTHER_USER_AGENT: 'other_user_agent';
  CONNECTION_LOST: 'connection_lost'; TIMEOUT: 'timeout';
}>;

export declare const Code: Readonly<{
  PARSE_ERROR: -32700; INVALID_REQUEST: -32600; METHOD_NOT_FOUND: -32601; INVALID_PARAMS: -32602;
  CANCELLED: 1001; ORIGIN_NOT_ALLOWED: 1002; PIN_INCORRECT: 1003; PIN_LOCKED: 1004;
  TOKEN_NOT_FOUND: 1005; CERTIFICATE_NOT_FOUND: 1006; BAD_REQUEST: 1007; TOO_LARGE: 1008;
  BUSY: 1009; INTERNAL: 1010; UNAVAILABLE: 1011; TOKEN_DRIVER_FAILED: 1012;
}>;

export type Lang = 'ru' | 'en';

/** A failure of the agent or of the connection, with a message a person can act on. */
export declare class ZaveraError extends Error {
  readonly name: 'ZaveraError';
  /** Stable reason; match on it, never on the message. */
  readonly reason: ErrorReason;
  /** The agent's error code, when the agent answered. */
  readonly code?: number;
  readonly data?: { reason?: string; triesLeft?: number; [k: string]: unknown };
  /** Tries left after a wrong PIN, when the token tells. */
  readonly triesLeft?: number;
  /** The agent's developer text, for logs. */
  readonly detail?: string;
  /** The message in both languages; `message` is in the language chosen at connect. */
  readonly messages: { ru: string; en: string };
  /** True when the user can fix it (insert a token, start Zavera, allow the site) and retry. */
  readonly retryable: boolean;
}

export type Bytes = ArrayBuffer | ArrayBufferView;
export type Data = Bytes | Blob | string;

export interface ConnectOptions {
  /** First port of the range tried; default 27413. */
  port?: number;
  /** How many ports, from `port`, are tried in order; default 8 (PORT_RANGE). */
  portRange?: number;
  /** Loopback host; default '127.0.0.1'. */
  host?: string;
  /** Schemes to try in order; default ['wss', 'ws']. */
  schemes?: Array<'wss' | 'ws'>;
  /** Milliseconds for the connection and the handshake; default 10000. */
  timeout?: number;
  /** Language of error messages; default from navigator.language, else Russian. */
  lang?: Lang;
  /** Client name sent in the handshake. */
  client?: string;
  /** Ask the user to approve the site when it is not approved yet; default true. */
  pair?: boolean;
  /** Called with the pairing code to show on the page while the user approves. */
  onPairing?: (code: string) => void;
  /** A WebSocket constructor (Node without a global WebSocket). */
  WebSocket?: new (url: string) => WebSocket;
  /** Makes the socket, for environments that need options (an Origin header in Node). */
  createWebSocket?: (url: string) => WebSocket;
}

export interface CertificateFilter {
  inn?: string;
  innle?: string;
  ogrn?: string;
  snils?: string;
  qualified?: boolean;
  validNow?: boolean;
  keyUsage?: Array<'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement'>;
}

export interface Subject {
  commonName?: string; surname?: string; givenName?: string; title?: string; organization?: string;
  inn?: string; innle?: string; ogrn?: string; snils?: string;
}

export interface Certificate {
  id: string;
  token: string;
  subject: Subject;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  validNow: boolean;
  qualified: boolean;
  keyAlgorithm: string;
  keyUsage: string[];
  /** DER, base64. */
  certificate: string;
}

export interface Token {
  id: string; label: string; manufacturer: string; model: string; serial: string; pinLocked?: boolean;
}

export interface FileInfo { name: string; size: number }

/** A document streamed to the agent in chunks: a File, a Blob, bytes, or a stream of bytes (with its size). */
export type Upload = Blob | Bytes | ReadableStream<Uint8Array>;

export interface UploadProgress { sent: number; size: number }

export interface SignParams {
  certificate: string;
  description: string;
  data?: Data;
  /** Streamed to the agent in chunks, hashed there; a ReadableStream needs `size`. */
  file?: Upload;
  /** Streebog/SHA hash of the document, bytes or base64 (detached only). */
  hash?: Bytes | string;
  files?: FileInfo[];
  name?: string;
  size?: number;
  attached?: boolean;
  /**
   * Long-term signature: 'T' (CAdES-T) or 'XLT1' (CAdES-X Long Type 1);
   * CryptoPro's names are accepted. Default 'BES'. An attached signature
   * of a `file` is BES only.
   */
  level?: SignatureLevel;
  /** The time-stamping authority's URL, only where the agent's configuration lets pages name one (`pageTSA`). */
  tsa?: string;
}

export type SignatureLevel = 'BES' | 'T' | 'XLT1' | 'CADES_BES' | 'CADES_T' | 'CADES_X_LONG_TYPE_1';

export interface Signature {
  /** CMS SignedData (CAdES-BES), DER in base64. */
  signature: string;
  /** The document's hash the signature covers, base64. */
  digest: string;
}

export interface AttachedFileSignature {
  /** The attached CMS SignedData, DER: the agent's parts around the file's bytes. */
  signature: Blob;
  digest: string;
}

export type BatchDocument =
  | { name: string; data: Data; size?: number }
  | { name: string; size: number; hash: Bytes | string }
  | { name: string; file: Upload; size?: number };

export interface BatchProgress { index: number; total: number; signed: boolean; reason?: string }

export type BatchResult =
  | { index: number; signature: string; digest: string; error?: undefined }
  | { index: number; error: ZaveraError; signature?: undefined };

export interface ChallengeSignature {
  signature: string;
  /** The signed bytes, base64; servers rebuild them and never trust this. The signature's content type is the login type, not id-data. */
  content: string;
}

export interface TokenEvent { kind: 'tokenInserted' | 'tokenRemoved' | 'certificatesChanged'; token: string }

export interface AgentInfo {
  agent: string; version: string; protocol: number; methods: string[];
  capabilities: { formats: string[]; modes: string[]; keyAlgorithms: string[]; digests: string[]; tls: boolean };
  limits: { maxMessageBytes: number; maxInFlight: number; maxBatch: number };
}

export interface RequestOptions { signal?: AbortSignal }

export declare class Zavera {
  readonly url: string;
  /** The port of the agent this connection reached. */
  readonly port: number;
  /** The websocket close code once closed, else 0. */
  readonly closeCode: number;
  readonly protocol: number;
  readonly approved: boolean;
  readonly closed: boolean;
  request<T = unknown>(method: string, params?: object, opts?: RequestOptions & { onNotification?: (method: string, params: any) => void }): Promise<T>;
  pair(opts?: { onPairing?: (code: string) => void }): Promise<boolean>;
  info(): Promise<AgentInfo>;
  tokens(): Promise<Token[]>;
  certificates(filter?: CertificateFilter, opts?: RequestOptions): Promise<Certificate[]>;
  /** An attached signature of a file: a Blob of the signature, joined with the file itself. */
  sign(params: SignParams & { file: Blob | Bytes; attached: true }, opts?: RequestOptions & { onUpload?: (p: UploadProgress) => void }): Promise<AttachedFileSignature>;
  sign(params: SignParams, opts?: RequestOptions & { onUpload?: (p: UploadProgress) => void }): Promise<Signature>;
  signBatch(params: { certificate: string; description: string; documents: BatchDocument[] },
    opts?: RequestOptions & { onProgress?: (p: BatchProgress) => void; onUpload?: (p: UploadProgress & { index: number }) => void }): Promise<BatchResult[]>;
  /** Streams a document to the agent and resolves with its id (low level: sign({file}) does it). */
  upload(source: Upload, opts?: RequestOptions & { certificate?: string; name?: string; size?: number;
    chunkSize?: number; onProgress?: (p: UploadProgress) => void }): Promise<string>;
  signChallenge(params: { certificate: string; nonce: Bytes | string; description?: string }, opts?: RequestOptions): Promise<ChallengeSignature>;
  onTokenEvent(handler: (e: TokenEvent) => void): Promise<() => Promise<void>>;
  onClose(handler: (e: ZaveraError) => void): () => void;
  close(): void;
}

/** Connects, says hello and, unless `pair` is false, has the user approve the site. */
export declare function connect(options?: ConnectOptions): Promise<Zavera>;

/** The bytes of one chunk of an upload. */
export declare const UPLOAD_CHUNK: number;
/** The largest `data` sent inline: larger data is uploaded in chunks by sign and signBatch. */
export declare const INLINE_MAX: number;

export declare function toBase64(input: Bytes | string): string;
export declare function fromBase64(b64: string): Uint8Array;
