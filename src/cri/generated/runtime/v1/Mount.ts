// Original file: proto/api.proto

import type { MountPropagation as _runtime_v1_MountPropagation, MountPropagation__Output as _runtime_v1_MountPropagation__Output } from '../../runtime/v1/MountPropagation.ts';
import type { IDMapping as _runtime_v1_IDMapping, IDMapping__Output as _runtime_v1_IDMapping__Output } from '../../runtime/v1/IDMapping.ts';
import type { ImageSpec as _runtime_v1_ImageSpec, ImageSpec__Output as _runtime_v1_ImageSpec__Output } from '../../runtime/v1/ImageSpec.ts';

/**
 * A host path (or an image) mounted into a container.
 */
export interface Mount {
  'containerPath'?: (string);
  'hostPath'?: (string);
  'readonly'?: (boolean);
  'selinuxRelabel'?: (boolean);
  'propagation'?: (_runtime_v1_MountPropagation);
  /**
   * Upstream spells these two in camelCase; so do we, to keep the names equal.
   */
  'uidMappings'?: (_runtime_v1_IDMapping)[];
  'gidMappings'?: (_runtime_v1_IDMapping)[];
  /**
   * Requires readonly = true and PROPAGATION_PRIVATE.
   */
  'recursiveReadOnly'?: (boolean);
  /**
   * Image volume source; host_path stays empty when set.
   */
  'image'?: (_runtime_v1_ImageSpec | null);
  'imageSubPath'?: (string);
}

/**
 * A host path (or an image) mounted into a container.
 */
export interface Mount__Output {
  'containerPath': (string);
  'hostPath': (string);
  'readonly': (boolean);
  'selinuxRelabel': (boolean);
  'propagation': (_runtime_v1_MountPropagation__Output);
  /**
   * Upstream spells these two in camelCase; so do we, to keep the names equal.
   */
  'uidMappings': (_runtime_v1_IDMapping__Output)[];
  'gidMappings': (_runtime_v1_IDMapping__Output)[];
  /**
   * Requires readonly = true and PROPAGATION_PRIVATE.
   */
  'recursiveReadOnly': (boolean);
  /**
   * Image volume source; host_path stays empty when set.
   */
  'image': (_runtime_v1_ImageSpec__Output | null);
  'imageSubPath': (string);
}
