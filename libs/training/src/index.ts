export * from './training/training.events';
export * from './training/training.commands';
export * from './training/training.decider';
export * from './training/training.rules';
export { TrainingModule } from './training.module';
