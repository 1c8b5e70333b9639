export const SecurityMessages = {
  rateLimited: (limit: number, retryAfterSeconds: number) =>
    `Rate limit of ${limit} requests per minute exceeded; retry in ${retryAfterSeconds} s`,
};
