/** The body of every error answer. */

export interface ApiError {
  error: string;
}
