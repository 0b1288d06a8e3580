/**
 * Remove Teams app: the app (by its Entra application id, or its Teams app id) is uninstalled
 * from every team it is installed in. Not undoable from here: reinstalling is a team owner's
 * choice.
 */
import { done, must } from './lib.ts';
import type { ActionContext, ActionTarget, JsonObject, RemediationAction } from './types.ts';

interface Installation {
  id: string;
  teamsApp?: { id?: string; displayName?: string } | null;
  teamsAppDefinition?: { teamsAppId?: string; displayName?: string; azureADAppId?: string | null } | null;
}

async function installationsOf(ctx: ActionContext, target: ActionTarget): Promise<{ teamId: string; team: string; installationId: string; app: string }[]> {
  const key = target.key.toLowerCase();
  const teams = must(await ctx.graph.get<{ value: { id: string; displayName?: string }[] }>('/teams')).value;
  const found: { teamId: string; team: string; installationId: string; app: string }[] = [];
  for (const team of teams) {
    const apps = must(
      await ctx.graph.get<{ value: Installation[] }>(`/teams/${encodeURIComponent(team.id)}/installedApps`, {
        query: { $expand: 'teamsApp,teamsAppDefinition' },
      }),
      { notFound: '' },
    ).value;
    for (const installation of apps) {
      const ids = [installation.teamsAppDefinition?.azureADAppId, installation.teamsAppDefinition?.teamsAppId, installation.teamsApp?.id].map((v) =>
        (v ?? '').toLowerCase(),
      );
      if (ids.includes(key))
        found.push({
          teamId: team.id,
          team: team.displayName ?? team.id,
          installationId: installation.id,
          app: installation.teamsAppDefinition?.displayName ?? installation.teamsApp?.displayName ?? target.key,
        });
    }
  }
  return found;
}

export const removeTeamsApp: RemediationAction = {
  name: 'remove-teams-app',
  title: 'Remove Teams app',
  description: 'Uninstalls the app from every team it is installed in.',
  entityKinds: ['app'],
  permission: { resource: 'graph', permission: 'TeamsAppInstallation.ReadWriteForTeam.All', alsoAccepted: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'] },
  restrictsAccess: false,
  async snapshot(ctx, target): Promise<JsonObject> {
    return { installations: await installationsOf(ctx, target) };
  },
  async run(ctx, target) {
    const installations = await installationsOf(ctx, target);
    if (installations.length === 0) return done({ removedFrom: [] }, true);
    const removedFrom: string[] = [];
    for (const i of installations) {
      const answer = await ctx.graph.delete(`/teams/${encodeURIComponent(i.teamId)}/installedApps/${encodeURIComponent(i.installationId)}`);
      if (!answer.ok && answer.failure.status !== 404) must(answer);
      removedFrom.push(i.team);
    }
    return done({ app: installations[0]?.app ?? target.key, removedFrom });
  },
};
