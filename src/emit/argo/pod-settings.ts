// A node's pod settings: the global ones, changed by the node's own `overrides: {argo: NAME}` (magnus 0.5,
// magnus-spec.md §2.3, §6.5) or by a 2022-style `mode_config: {argo: {...}}` mapping. Each distinct override
// is read once; an unknown override name is an error at the node (a warning in a preview, where the config
// has no argo section to hold overrides).
import type { Node } from '../../ir/types.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { didYouMean } from '../../core/suggest.js';
import type { ArgoSettings, PodSettings } from './config.js';
import { NODE_KEYS, ROOT_PATH, readPodSettings } from './config.js';
import { ConfigReader, isPlain } from './config-reader.js';

export interface NodePod {
  readonly pod: PodSettings;
  /** A short label for template names when the node's pod differs from the global one. */
  readonly label?: string;
}

export class PodResolver {
  readonly diagnostics: Diagnostic[] = [];
  private readonly byOverride = new Map<string, NodePod>();

  constructor(private readonly settings: ArgoSettings) {}

  forNode(node: Node): NodePod {
    const global: NodePod = { pod: this.settings.pod };
    const mine = node.overrides.argo;
    if (mine === undefined) return global;
    const at = (message: string, hint: string | undefined, severity: 'error' | 'warning'): NodePod => {
      this.diagnostics.push({
        code: 'DAGC-ARGO-OVERRIDE',
        severity,
        message,
        hint,
        file: node.source.file,
        start: node.source.start,
        pointer: node.source.pointer,
      });
      return global;
    };
    if (typeof mine === 'string') {
      const cached = this.byOverride.get(mine);
      if (cached) return cached;
      const overrides = isPlain(this.settings.raw.overrides) ? this.settings.raw.overrides : {};
      const chosen = overrides[mine];
      if (!isPlain(chosen)) {
        if (!this.settings.configured)
          return at(`step "${node.internalName}" asks for the argo override "${mine}", which a preview without an argo config ignores`, undefined, 'warning');
        const guess = didYouMean(mine, Object.keys(overrides));
        return at(
          `step "${node.internalName}" asks for the argo override "${mine}", but ${ROOT_PATH}.overrides has no such entry`,
          guess ? `did you mean "${guess}"?` : `add ${ROOT_PATH}.overrides.${mine}: {...} (known: ${Object.keys(overrides).join(', ') || 'none'})`,
          'error',
        );
      }
      // The override's own problems were reported once with the config; read it quietly here.
      const quiet = new ConfigReader('');
      const resolved = { pod: readPodSettings(quiet, chosen, `${ROOT_PATH}.overrides.${mine}`, this.settings.pod), label: mine };
      this.byOverride.set(mine, resolved);
      return resolved;
    }
    const reader = new ConfigReader(node.source.file);
    const path = `${node.internalName}.mode_config.argo`;
    reader.checkKeys(mine, NODE_KEYS, path);
    const pod = readPodSettings(reader, mine, path, this.settings.pod);
    for (const d of reader.diagnostics) this.diagnostics.push({ ...d, start: node.source.start, pointer: node.source.pointer });
    return { pod, label: 'custom' };
  }
}
