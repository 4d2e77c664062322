// Lambda entry (lab): the backtest worker of a cloud sweep. One S3 client per container; the use
// case is functions/lab/labWorker.ts.
import { S3Client } from '@aws-sdk/client-s3';
import { createLabWorker } from './labWorker.js';
import type { LabWorkerEvent, LabWorkerResult } from './labKeys.js';

const worker = createLabWorker(new S3Client({}));

/** Runs one batch of sweep items (the Distributed Map's item batch). */
export const handler = (event: LabWorkerEvent): Promise<LabWorkerResult> => worker(event);
