// Original file: proto/api.proto

import type { Int64Value as _runtime_v1_Int64Value, Int64Value__Output as _runtime_v1_Int64Value__Output } from '../../runtime/v1/Int64Value.ts';
import type { ImageSpec as _runtime_v1_ImageSpec, ImageSpec__Output as _runtime_v1_ImageSpec__Output } from '../../runtime/v1/ImageSpec.ts';
import type { Long } from '@grpc/proto-loader';

export interface Image {
  /**
   * Image id; equals PullImageResponse.image_ref for the same image.
   */
  'id'?: (string);
  'repoTags'?: (string)[];
  'repoDigests'?: (string)[];
  'size'?: (number | string | Long);
  'uid'?: (_runtime_v1_Int64Value | null);
  'username'?: (string);
  'spec'?: (_runtime_v1_ImageSpec | null);
  /**
   * Exempt from image garbage collection (a recommendation).
   */
  'pinned'?: (boolean);
}

export interface Image__Output {
  /**
   * Image id; equals PullImageResponse.image_ref for the same image.
   */
  'id': (string);
  'repoTags': (string)[];
  'repoDigests': (string)[];
  'size': (number);
  'uid': (_runtime_v1_Int64Value__Output | null);
  'username': (string);
  'spec': (_runtime_v1_ImageSpec__Output | null);
  /**
   * Exempt from image garbage collection (a recommendation).
   */
  'pinned': (boolean);
}
