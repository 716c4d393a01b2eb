// A load-generator worker's questions to the bench process mid-run (runWorker's `questions`), e.g.
// a barrier so several generators measure the same window. Only works in a forked worker.
let asked = 0;
const answers = new Map<number, (v: unknown) => void>();
process.on('message', (m: { answer?: number; value?: unknown }) => {
  if (m.answer === undefined) return;
  answers.get(m.answer)?.(m.value);
  answers.delete(m.answer);
});
/** Sends `question` to the parent and resolves with its answer. */
export function ask<T>(question: unknown): Promise<T> {
  const id = ++asked;
  return new Promise((resolve) => {
    answers.set(id, resolve as (v: unknown) => void);
    process.send!({ ask: id, question });
  });
}

