// Original file: proto/api.proto

import type { RuntimeHandlerFeatures as _runtime_v1_RuntimeHandlerFeatures, RuntimeHandlerFeatures__Output as _runtime_v1_RuntimeHandlerFeatures__Output } from '../../runtime/v1/RuntimeHandlerFeatures.ts';

export interface RuntimeHandler {
  /**
   * Empty for the default handler.
   */
  'name'?: (string);
  'features'?: (_runtime_v1_RuntimeHandlerFeatures | null);
}

export interface RuntimeHandler__Output {
  /**
   * Empty for the default handler.
   */
  'name': (string);
  'features': (_runtime_v1_RuntimeHandlerFeatures__Output | null);
}
