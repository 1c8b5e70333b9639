// Clients following tasks' event streams (GET /v1/tasks/:id/events, Server-Sent Events), one
// connection each, as browsers or SDK clients waiting on long tasks would hold them.
import { request } from 'node:http';

/**
 * Opens the event stream of task `taskId`. `opened` resolves at the first event (the current state);
 * `ended` resolves when the server closes the stream, with the status of the last state event.
 */
export function followTask(baseUrl, taskId) {
  let markOpened = () => {};
  const opened = new Promise((resolve) => (markOpened = resolve));
  const ended = new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/v1/tasks/${taskId}/events`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`events of ${taskId} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let pending = '';
      let lastStatus = null;
      res.on('data', (text) => {
        pending += text;
        let end;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (!/^event: state$/m.test(block)) continue;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) lastStatus = JSON.parse(data).status ?? lastStatus;
          markOpened();
        }
      });
      res.on('end', () => resolve(lastStatus));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  // A stream that fails before its first event must not leave `opened` waiting forever.
  void ended.catch(() => markOpened());
  return { opened, ended };
}
