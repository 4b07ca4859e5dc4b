import { HeapKeyedStateBackend } from './heap-backend.js';
import { runKeyedStateBackendContract } from './backend-contract.js';

runKeyedStateBackendContract('heap', ({ clock, maxParallelism }) => new HeapKeyedStateBackend(maxParallelism, clock));
