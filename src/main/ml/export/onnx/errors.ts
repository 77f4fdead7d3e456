import { StudioError } from '../../../../shared/errors.ts';

/** A model the ONNX writer cannot convert (an unsupported layer or setting), named in the message. */
export class OnnxExportError extends StudioError {
  constructor(message: string) {
    super('invalid-argument', `ONNX export: ${message}`);
  }
}
