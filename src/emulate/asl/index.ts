// `dagc emulate --target asl`: which engine runs the state machine `dagc compile --target asl` writes.
//  - aws-local-stepfunctions (the default, aws-local.ts): the JS ASL interpreter runs it, every Task's container
//    command a process here.
//  - localstack (localstack.ts): the same run, judged by a second interpreter, LocalStack's (inside moto), which
//    replays the definition with the Task results the first one recorded and compares their control flow.
import { UserError } from '../../core/errors.js';
import type { Emulator } from '../types.js';
import { awsLocalEmulator } from './aws-local.js';
import type { RecordedOptions } from './aws-local.js';

export const emulator: Emulator = {
  async emulate(files, options: RecordedOptions) {
    if (options.engine === 'localstack') return (await import('./localstack.js')).emulateJudged(files, options);
    if (options.engine !== undefined && options.engine !== 'aws-local-stepfunctions')
      throw new UserError(`unknown --engine "${options.engine}" for the asl target`, 'use aws-local-stepfunctions (the default) or localstack (needs the Python package moto)');
    return awsLocalEmulator.emulate(files, options);
  },
};
