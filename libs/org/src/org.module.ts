import { Module } from '@nestjs/common';
import { ChangeRepChannelHandler } from './rep/commands/change-rep-channel/change-rep-channel.handler';
import { ChangeRepChannelResolver } from './rep/commands/change-rep-channel/change-rep-channel.resolver';
import { HireRepHandler } from './rep/commands/hire-rep/hire-rep.handler';
import { HireRepResolver } from './rep/commands/hire-rep/hire-rep.resolver';
import { OffboardRepHandler } from './rep/commands/offboard-rep/offboard-rep.handler';
import { OffboardRepResolver } from './rep/commands/offboard-rep/offboard-rep.resolver';
import { SetRepQuotaHandler } from './rep/commands/set-rep-quota/set-rep-quota.handler';
import { SetRepQuotaResolver } from './rep/commands/set-rep-quota/set-rep-quota.resolver';
import { TransferRepHandler } from './rep/commands/transfer-rep/transfer-rep.handler';
import { TransferRepResolver } from './rep/commands/transfer-rep/transfer-rep.resolver';
import { ChangeTeamSupervisorHandler } from './team/commands/change-team-supervisor/change-team-supervisor.handler';
import { ChangeTeamSupervisorResolver } from './team/commands/change-team-supervisor/change-team-supervisor.resolver';
import { FormTeamHandler } from './team/commands/form-team/form-team.handler';
import { FormTeamResolver } from './team/commands/form-team/form-team.resolver';
import { RenameTeamHandler } from './team/commands/rename-team/rename-team.handler';
import { RenameTeamResolver } from './team/commands/rename-team/rename-team.resolver';

/**
 * The org context's write side: teams and reps. Needs the global CommandExecutor and a binding of
 * REP_DEALS_PORT (offboarding reassigns open deals through the sales context), which the app
 * provides so that org never imports sales.
 */
@Module({
  providers: [
    FormTeamHandler,
    FormTeamResolver,
    RenameTeamHandler,
    RenameTeamResolver,
    ChangeTeamSupervisorHandler,
    ChangeTeamSupervisorResolver,
    HireRepHandler,
    HireRepResolver,
    TransferRepHandler,
    TransferRepResolver,
    ChangeRepChannelHandler,
    ChangeRepChannelResolver,
    SetRepQuotaHandler,
    SetRepQuotaResolver,
    OffboardRepHandler,
    OffboardRepResolver,
  ],
})
export class OrgModule {}
