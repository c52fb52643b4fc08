import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('organizations')
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  /** URL-safe name for webhooks (the name's letters and digits and the start of the id), set by the database at insert. */
  @Column({ type: 'text', insert: false, update: false, nullable: true })
  slug: string;

  /** Bumped by every publish or delete of data; cached answers are keyed by it. */
  @Column({ name: 'data_version', type: 'bigint', default: 0 })
  dataVersion: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
