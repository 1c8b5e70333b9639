import { keepAliveHttpModule } from '../../common/http/keep-alive-http.module.js';

/** `HttpModule` of the calls to remote agents (`/execute`, `/health`), over keep-alive pools. */
export const RemoteAgentsHttpModule = keepAliveHttpModule();
