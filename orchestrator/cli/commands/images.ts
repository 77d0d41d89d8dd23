// `adrs images list|build`: sandbox images from the recipes in sandboxes/images (Debian debootstrap, or Dockerfiles for CUDA).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { table } from '../format.js';

interface ImageRow {
  name: string;
  kind: string;
  built: boolean;
  id: string | null;
  sizeMb: number | null;
  created: string | null;
  description: string;
}

export function register(program: Command, ctx: CliContext): void {
  const images = program.command('images').description('list and build the Docker images sandboxes run in');
  images
    .command('list')
    .description('list the image recipes and whether the local Docker engine has each image')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { RECIPES } = await import('../../../sandboxes/images/recipes.js');
      const { connectDocker, engineReachable } = await import('../../../sandboxes/docker/engine.js');
      const docker = connectDocker();
      const reachable = await engineReachable(docker);
      if (!reachable)
        ctx.warn(
          'adrs: Docker engine not reachable; showing recipes only (start dockerd, see .ci/docker.sh)',
        );
      const rows: ImageRow[] = [];
      for (const r of RECIPES) {
        const info = reachable
          ? await docker
              .getImage(`${r.name}:latest`)
              .inspect()
              .catch(() => undefined)
          : undefined;
        rows.push({
          name: r.name,
          kind: r.kind,
          built: info !== undefined,
          id: info ? info.Id.replace(/^sha256:/, '').slice(0, 12) : null,
          sizeMb: info ? Math.round(info.Size / 1e6) : null,
          created: info?.Created ?? null,
          description: r.description,
        });
      }
      if (opts.json) {
        ctx.print(JSON.stringify(rows));
        return;
      }
      ctx.print(
        table(
          ['image', 'recipe', 'built', 'id', 'size', 'description'],
          rows.map((r) => [
            r.name,
            r.kind,
            r.built ? 'yes' : 'no',
            r.id,
            r.sizeMb === null ? null : `${r.sizeMb} MB`,
            r.description,
          ]),
        ),
      );
    });
  images
    .command('build [name]')
    .description(
      'build an image from its recipe (default adrs-base; Debian recipes need root and debootstrap)',
    )
    .option('--rebuild', 'ignore the cached root file system and run debootstrap again')
    .action(async (name: string | undefined, opts: { rebuild?: boolean }) => {
      const { buildImage, findRecipe } = await import('../../../sandboxes/images/recipes.js');
      const { connectDocker, pingEngine } = await import('../../../sandboxes/docker/engine.js');
      const recipe = findRecipe(name ?? 'adrs-base');
      await pingEngine(connectDocker());
      ctx.warn(`adrs: building ${recipe.name} from ${recipe.file}`);
      await buildImage(recipe.name, {
        rebuild: opts.rebuild,
        signal: ctx.signal,
        log: (s) => ctx.stderr.write(s),
      });
      const info = await connectDocker().getImage(`${recipe.name}:latest`).inspect();
      ctx.print(`${recipe.name}:latest ${info.Id}`);
    });
}
