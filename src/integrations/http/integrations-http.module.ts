import { keepAliveHttpModule } from '../../common/http/keep-alive-http.module.js';

/** `HttpModule` of every outgoing call of IntegrationsModule (Trace, MemAgent, probes). */
export const IntegrationsHttpModule = keepAliveHttpModule();
