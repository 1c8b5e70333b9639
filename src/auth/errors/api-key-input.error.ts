/** A key name or scope list that cannot be stored (the keys CLI prints it with its usage). */
export class ApiKeyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyInputError';
  }
}
