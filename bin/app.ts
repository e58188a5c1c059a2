import { App } from 'aws-cdk-lib';
import { addLicenceWorkflow } from '../lib/app.ts';

const app = new App();
addLicenceWorkflow(app);
app.synth();
