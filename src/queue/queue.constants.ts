/** The BullMQ queue every task runs through when REDIS_URL is set. */
export const TASK_QUEUE = 'tasks';

/** Name of the one kind of job on it: run the task whose REQUEST id is the job id. */
export const RUN_TASK_JOB = 'run';

/** Failed jobs kept for inspection (the task's outcome is in its REQUEST either way). */
export const FAILED_JOBS_KEPT = 1000;
