/** The server's public surface, for the CLI and embedders. */
export { createServer, type CreateServerOptions, type KairosServer } from './app.js';
export { loadConfig, resolveConfig, configFromEnv, readConfigFile, DEFAULT_CONFIG, ConfigError, type ServerConfig, type ServerConfigInput } from './config.js';
export { shutdown, handleSignals } from './lifecycle.js';
export { createToken, hashToken, isTokenRole, TOKEN_ROLES } from './tokens.js';
export { API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';
