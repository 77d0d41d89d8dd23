// The image recipes adrs knows: which can be built here from Debian packages, which need a registry (CUDA).
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { AdrsError, InputError } from '../../core/errors.js';
import { assetPath } from '../../core/paths.js';

export interface ImageRecipe {
  name: string;
  description: string;
  /** `debootstrap`: built offline from Debian packages; `dockerfile`: needs a registry (GPU hosts). */
  kind: 'debootstrap' | 'dockerfile';
  /** The recipe file, relative to the package root. */
  file: string;
}

export const RECIPES: readonly ImageRecipe[] = [
  {
    name: 'adrs-base',
    description: 'Debian bookworm, python3 + numpy, gcc/make (CPU problems; the default image)',
    kind: 'debootstrap',
    file: 'sandboxes/images/adrs-base.sh',
  },
  {
    name: 'adrs-torch-cpu',
    description: "adrs-base plus Debian's python3-torch (1.13, CPU only)",
    kind: 'debootstrap',
    file: 'sandboxes/images/adrs-torch-cpu.sh',
  },
  {
    name: 'adrs-swe',
    description: 'adrs-base plus git, patch and pytest (SWE-fficiency-style repository tasks)',
    kind: 'debootstrap',
    file: 'sandboxes/images/adrs-swe.sh',
  },
  {
    name: 'adrs-cuda',
    description: 'CUDA 12 devel + PyTorch + Triton for GPU kernels (needs a registry and an NVIDIA host)',
    kind: 'dockerfile',
    file: 'sandboxes/images/cuda/Dockerfile',
  },
];

export function findRecipe(name: string): ImageRecipe {
  const bare = name.replace(/:latest$/, '');
  const recipe = RECIPES.find((r) => r.name === bare);
  if (!recipe)
    throw new InputError(`image ${name}: no such recipe; known: ${RECIPES.map((r) => r.name).join(', ')}`);
  return recipe;
}

/** Builds an image from its recipe, streaming the recipe's progress to `log`. */
export async function buildImage(
  name: string,
  options: { log?: (chunk: string) => void; rebuild?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const recipe = findRecipe(name);
  const file = assetPath(recipe.file);
  if (!existsSync(file)) throw new AdrsError('not-found', `image ${recipe.name}: recipe ${file} is missing`);
  const env = options.rebuild ? { ADRS_REBUILD: '1' } : {};
  const child =
    recipe.kind === 'debootstrap'
      ? execa('bash', [file], { env, reject: false, all: true, cancelSignal: options.signal })
      : execa(
          'docker',
          ['build', '-t', `${recipe.name}:latest`, '-f', file, assetPath('sandboxes', 'images', 'cuda')],
          {
            reject: false,
            all: true,
            cancelSignal: options.signal,
          },
        );
  child.all?.on('data', (chunk: Buffer) => options.log?.(chunk.toString()));
  const result = await child;
  if (result.exitCode !== 0)
    throw new AdrsError(
      'image-build',
      `image ${recipe.name}: the recipe ${recipe.file} failed (exit ${result.exitCode ?? result.signal}); its output is above`,
    );
}
